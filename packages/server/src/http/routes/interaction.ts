import {
  enrollmentWouldHelp,
  resolveAssurance,
  SimpleError,
  StepwiseError,
  type AuthenticationEvent,
  type Requirement,
} from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { loadSessionState, type SessionState } from '../../flows/session-state.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../flows/totp-enrollment.js';
import { verifyTotpCode } from '../../flows/totp-verification.js';
import { judgementTime, requestedAssurance } from '../../oidc/requested-assurance.js';
import type { Services } from '../../services.js';
import { renderEnrollTotpPage } from '../pages/enroll-totp-page.js';
import type { PageError } from '../pages/layout.js';
import { applyRetryAfter, sendError, wantsHtml } from '../errors.js';
import { renderSignInPage } from '../pages/sign-in-page.js';
import { renderTotpPage } from '../pages/totp-page.js';
import { codeBody, describeRequirement, enrollBody, passwordBody, sendPage } from './forms.js';
import { FORM_RATE_LIMIT } from './forms.js';
import { currentSession, signInContext, signInWithPassword } from '../session-cookie.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const uidParams = {
  type: 'object',
  required: ['uid'],
  properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

interface Shown {
  readonly error?: PageError | undefined;
  readonly status?: number;
  /** Judge assurance at this instant (the event just recorded), so max_age=0 cannot loop. */
  readonly now?: number;
  /** The method the user picked among those offered. */
  readonly method?: string | undefined;
  /** The error behind `error`, for headers such as Retry-After. */
  readonly cause?: StepwiseError;
}

function pageError(error: unknown): { error: PageError; status: number; cause: StepwiseError } {
  if (!(error instanceof StepwiseError)) throw error;
  return { error: { code: error.code, message: error.message }, status: error.status, cause: error };
}

/**
 * The sign-in and step-up pages of OpenID Connect authorization requests.
 * Every step ends in `proceed`, which asks only for what is missing and
 * finishes the interaction as soon as the request is met.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @param provider - the oidc-provider instance
 */
export function registerInteractionRoutes(app: FastifyInstance, services: Services, provider: Provider): void {
  async function interaction(request: FastifyRequest, reply: FastifyReply): Promise<Details> {
    // A step-up may run in a popup (the client SDK's popup mode): helmet's
    // default Cross-Origin-Opener-Policy: same-origin would cut the popup off
    // from the application that opened it, so sign-in pages opt out.
    reply.header('cross-origin-opener-policy', 'unsafe-none');
    let details: Details;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      throw new SimpleError('ERR_INTERACTION_EXPIRED');
    }
    if (details.uid !== (request.params as { uid: string }).uid) throw new SimpleError('ERR_INTERACTION_EXPIRED');
    return details;
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: InteractionResults): Promise<FastifyReply> {
    const url = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply.redirect(url, 303);
  }

  async function consentGrant(details: Details): Promise<string> {
    const accountId = String(details.session?.accountId);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = (details.prompt.details ?? {}) as Record<string, unknown>;
    if (Array.isArray(missing.missingOIDCScope)) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (Array.isArray(missing.missingOIDCClaims)) grant!.addOIDCClaims(missing.missingOIDCClaims as string[]);
    for (const [resource, scopes] of Object.entries((missing.missingResourceScopes ?? {}) as Record<string, string[]>)) {
      grant!.addResourceScope(resource, scopes.join(' '));
    }
    return grant!.save();
  }

  async function proceed(
    request: FastifyRequest,
    reply: FastifyReply,
    details: Details,
    state: SessionState | undefined,
    shown: Shown = {},
  ): Promise<FastifyReply> {
    const base = `/interaction/${details.uid}`;
    const status = shown.status ?? 200;
    // Only pages need the client's name and a CSRF token; finishing needs neither.
    const pageInputs = async () => {
      const clientId = String(details.params.client_id);
      const client = await provider.Client.find(clientId);
      return { csrfToken: reply.generateCsrf(), clientName: client?.clientName ?? clientId };
    };
    // Scripts and API clients get the error as JSON; browsers get the page again.
    if (shown.cause && !wantsHtml(request)) return sendError(request, reply, shown.cause);
    applyRetryAfter(reply, shown.cause);

    if (details.prompt.name === 'consent' && state) {
      return finish(request, reply, { consent: { grantId: await consentGrant(details) } });
    }
    if (!state) {
      const { csrfToken, clientName } = await pageInputs();
      return sendPage(reply, status, renderSignInPage({ action: `${base}/password`, csrfToken, clientName, error: shown.error, cancelUrl: `${base}/abort` }));
    }

    const requested = requestedAssurance(details.params);
    if (requested.essential && !requested.acceptable.some((name) => services.levels.has(name))) {
      return finish(request, reply, { error: 'unmet_authentication_requirements', error_description: 'none of the essential acr values is supported' });
    }
    const now = judgementTime(requested, services.now(), shown.now);
    const resolution = resolveAssurance(state.events, requested, state.enrolled, services.levels, now);
    if (resolution.kind === 'finish') {
      return finish(request, reply, {
        login: { accountId: state.user.id, acr: resolution.acr, amr: [...resolution.amr], ts: resolution.authTime, remember: true },
      });
    }
    if (resolution.kind === 'ask') {
      const { csrfToken, clientName } = await pageInputs();
      const askPassword =
        resolution.methods.includes('password') &&
        (!resolution.methods.includes('totp') || shown.method === 'password' || passwordPreferred(resolution.requirement, shown.method));
      if (askPassword) {
        return sendPage(reply, status, renderSignInPage({
          action: `${base}/password`, csrfToken, clientName, error: shown.error, reauthenticate: true,
          username: state.user.username, cancelUrl: `${base}/abort`,
        }));
      }
      return sendPage(reply, status, renderTotpPage({
        action: `${base}/totp`, csrfToken, username: state.user.username, error: shown.error, cancelUrl: `${base}/abort`,
        reason: `${clientName} asks you to confirm it’s you (${describeRequirement(resolution.requirement)}).`,
        passwordUrl: resolution.methods.includes('password') ? `${base}?method=password` : undefined,
      }));
    }
    const canEnroll =
      services.config.stepUp.whenUnenrolled === 'enroll' &&
      enrollmentWouldHelp(state.events, resolution.requirement, state.enrolled, { method: 'totp' }, services.levels, now);
    if (!canEnroll) {
      return finish(request, reply, {
        error: 'unmet_authentication_requirements',
        error_description: `the account has no authenticator that can reach ${resolution.requirement.acr}`,
      });
    }
    const { csrfToken, clientName } = await pageInputs();
    return sendPage(reply, status, renderEnrollTotpPage({
      action: `${base}/enroll-totp`, csrfToken, username: state.user.username, error: shown.error,
      enrollment: await startTotpEnrollment(services, state.user), cancelUrl: `${base}/abort`,
      reason: `${clientName} needs a second sign-in method (${describeRequirement(resolution.requirement)}). Add an authenticator app to continue.`,
    }));

    function passwordPreferred(requirement: Requirement, method: string | undefined): boolean {
      return method !== 'totp' && services.levels.get(requirement.acr).criteria.factors < 2;
    }
  }

  app.get('/interaction/:uid', { schema: { params: uidParams } }, async (request, reply) => {
    const details = await interaction(request, reply);
    const { method } = request.query as { method?: string };
    return proceed(request, reply, details, await currentSession(request, services), { method });
  });

  app.post('/interaction/:uid/password', { config: FORM_RATE_LIMIT, schema: { params: uidParams, body: passwordBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const details = await interaction(request, reply);
    const { username, password } = request.body as { username: string; password: string };
    const existing = await currentSession(request, services);
    try {
      const { token, at } = await signInWithPassword(request, reply, services, existing, { username, password });
      return proceed(request, reply, details, await loadSessionState(services, token), { now: at });
    } catch (error) {
      return proceed(request, reply, details, existing, { ...pageError(error), method: 'password' });
    }
  });

  /** A second factor answered inside a signed-in interaction: verify, record, go on. */
  async function answerFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    method: string,
    verify: (state: SessionState, details: Details) => Promise<AuthenticationEvent>,
  ): Promise<FastifyReply> {
    const details = await interaction(request, reply);
    const state = await currentSession(request, services);
    if (!state) return proceed(request, reply, details, undefined, pageError(new SimpleError('ERR_SESSION_REQUIRED')));
    try {
      const event = await verify(state, details);
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return proceed(request, reply, details, await loadSessionState(services, state.token), { now: event.at });
    } catch (error) {
      return proceed(request, reply, details, state, { ...pageError(error), method });
    }
  }

  app.post('/interaction/:uid/totp', { config: FORM_RATE_LIMIT, schema: { params: uidParams, body: codeBody }, preHandler: app.csrfProtection }, async (request, reply) =>
    answerFactor(request, reply, 'totp', (state, details) =>
      verifyTotpCode(services, {
        factors: state.factors,
        code: (request.body as { code: string }).code,
        scope: { challengeKey: `interaction:${details.uid}`, userId: state.user.id },
      }),
    ),
  );

  app.post('/interaction/:uid/enroll-totp', { config: FORM_RATE_LIMIT, schema: { params: uidParams, body: enrollBody }, preHandler: app.csrfProtection }, async (request, reply) =>
    answerFactor(request, reply, 'totp', (state) => {
      const { code, factor_id: factorId } = request.body as { code: string; factor_id: string };
      return confirmTotpEnrollment(services, { user: state.user, factorId, code });
    }),
  );

  app.get('/interaction/:uid/abort', { schema: { params: uidParams } }, async (request, reply) => {
    await interaction(request, reply);
    return finish(request, reply, { error: 'access_denied', error_description: 'the user cancelled the sign-in' });
  });
}
