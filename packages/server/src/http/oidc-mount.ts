import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';

/** The provider's routes (oidc-provider defaults), served at the issuer's root. */
export const OIDC_ROUTES = [
  '/.well-known/openid-configuration',
  '/auth',
  '/auth/*',
  '/token',
  '/token/*',
  '/jwks',
  '/me',
  '/session/*',
  '/request',
] as const;

/**
 * Hands the provider's routes to oidc-provider untouched: bodies are left
 * unread (it parses them itself) and the reply is hijacked. They opt out of
 * Cross-Origin-Opener-Policy, as the sign-in pages do.
 *
 * @param app - the Fastify instance
 * @param provider - the oidc-provider instance
 */
export async function mountProvider(app: FastifyInstance, provider: Provider): Promise<void> {
  const callback = provider.callback();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const path of OIDC_ROUTES) {
      scope.all(path, async (request, reply) => {
        // The authorization endpoint may run in a popup (the client SDK's
        // popup mode); helmet's COOP same-origin, even on its redirects,
        // would cut the popup off from the application that opened it.
        reply.raw.setHeader('cross-origin-opener-policy', 'unsafe-none');
        reply.hijack();
        await callback(request.raw, reply.raw);
      });
    }
  });
}
