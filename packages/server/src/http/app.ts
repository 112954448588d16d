import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { fastifyTrustProxy } from '../config/trust-proxy-schema.js';
import type { Services } from '../services.js';
import { registerAssets } from './assets.js';
import { installErrorHandling } from './errors.js';
import { mountProvider, type KeySetVersion } from './oidc-mount.js';
import { databaseRateLimitStore } from './rate-limit-store.js';
import { registerSecurityHeaders } from './security-headers.js';
import { renderHomePage } from './pages/home-page.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAccountContactRoutes } from './routes/account-contacts.js';
import { registerAccountRecoveryRoutes } from './routes/account-recovery-codes.js';
import { registerAccountWebauthnRoutes } from './routes/account-webauthn.js';
import { registerChallengePages } from './routes/challenge-pages.js';
import { registerDecisionApi } from './routes/decision-api.js';
import { registerDevOutboxRoute } from './routes/dev-outbox.js';
import { registerPlaygroundRoutes } from './routes/playground.js';
import { registerInteractionRoutes } from './routes/interaction.js';
import { registerSessionPages } from './routes/session-pages.js';
import { registerMetrics } from './routes/metrics.js';
import { registerAdminRoutes } from './admin/register-admin.js';
import { currentSession } from './session-cookie.js';

/**
 * Builds the HTTP application: security headers, cookies, CSRF, rate limits
 * on form posts (counted in the database, so across nodes), our pages, and
 * oidc-provider's protocol routes.
 *
 * @param services - shared services
 * @param provider - the oidc-provider instance
 * @param keySetVersion - the key set `/jwks` shows now (the key ring's, awaited fresh)
 * @example
 * ```ts
 * const app = await buildApp(services, provider, async () => { await ring.ensureFresh(); return ring.keys(); });
 * const response = await app.inject({ url: '/.well-known/openid-configuration' });
 * ```
 */
export async function buildApp(services: Services, provider: Provider, keySetVersion: KeySetVersion): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    trustProxy: fastifyTrustProxy(services.config.trustProxy),
  });
  installErrorHandling(app);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        // Step-up forms redirect to the application's redirect_uri, which
        // form-action 'self' would block in Chromium.
        'form-action': null,
        // Only our own files: the WebAuthn pages' script and its library.
        'script-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
      },
    },
  });
  await app.register(fastifyCsrf, {
    cookieKey: 'stepwise_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: services.config.cookieSecure, signed: false },
  });
  // Counted in the database, so the limits hold across every node.
  await app.register(fastifyRateLimit, { global: false, store: databaseRateLimitStore(services) });

  registerMetrics(app, services);
  registerAssets(app);
  app.get('/', async (request, reply) => {
    const state = await currentSession(request, services);
    return reply.type('text/html; charset=utf-8').send(
      renderHomePage({ issuer: services.config.issuer, username: state?.user.username, demo: services.config.demo }),
    );
  });
  app.get('/healthz', async () => ({ status: 'ok' }));

  registerDecisionApi(app, services);
  registerChallengePages(app, services);
  registerInteractionRoutes(app, services, provider);
  registerSessionPages(app, services);
  registerAccountRoutes(app, services);
  registerAccountWebauthnRoutes(app, services);
  registerAccountRecoveryRoutes(app, services);
  registerAccountContactRoutes(app, services);
  registerDevOutboxRoute(app, services);
  registerPlaygroundRoutes(app, services);
  registerAdminRoutes(app, services);
  await mountProvider(app, provider, keySetVersion);
  return app;
}
