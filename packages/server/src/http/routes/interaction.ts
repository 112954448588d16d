import { checkAuthorizationDetails, enrollmentWouldHelp, resolveAssurance, SimpleError, StepwiseError, type AuthorizationDetail, type MethodId } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { recordSignInFailed, recordStepUpSatisfied } from '../../audit/events.js';
import { loadSessionState, type SessionState } from '../../flows/session-state.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../flows/totp-enrollment.js';
import { finishWebauthnAuthentication, startWebauthnAuthentication } from '../../flows/webauthn-authentication.js';
import { applyLoginPolicy, deniedBy } from '../../oidc/login-policy.js';
import { judgementTime, requestedAssurance } from '../../oidc/requested-assurance.js';
import { requestedDetails } from '../../oidc/bound-details.js';
import type { SafeHtml } from '../html.js';
import { transactionPurpose, transactionSummary, transactionWords } from '../pages/transaction-summary.js';
import { readDeviceId } from '../device-cookie.js';
import type { Services } from '../../services.js';
import { webauthnEnabled } from '../../webauthn/relying-party.js';
import { renderEnrollTotpPage } from '../pages/enroll-totp-page.js';
import { applyRetryAfter, sendError, wantsHtml } from '../errors.js';
import { renderSignInPage } from '../pages/sign-in-page.js';
import { pageError, registerStepUpAnswers, sendContinue, type Shown, type StepUpContext } from '../step-up/answers.js';
import { chooseMethod, METHOD_CHOICE_LABELS, offeredMethods } from '../step-up/method-choice.js';
import { sendStepUpPage } from '../step-up/step-up-view.js';
import { describeRequirement, enrollBody, passkeyBody, passwordBody, sendPage } from './forms.js';
import { FORM_RATE_LIMIT } from './forms.js';
import { currentSession, signInContext, signInWithEvent, signInWithPassword } from '../session-cookie.js';
import { recordAuthentication } from '../../flows/sign-in.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const uidParams = {
  type: 'object',
  required: ['uid'],
  properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

interface InteractionContext extends StepUpContext {
  readonly details: Details;
}

/** The transaction a bound request approves, as its pages show it. */
interface Transaction {
  readonly details: readonly AuthorizationDetail[];
  /** The block above the form (`transactionSummary`). */
  readonly summary: SafeHtml;
  /** One line: `Pay 5,000.00 EUR to ACME`, for sent codes and the enrollment page. */
  readonly words: string;
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

  async function clientNameOf(details: Details): Promise<string> {
    const clientId = String(details.params.client_id);
    return (await provider.Client.find(clientId))?.clientName ?? clientId;
  }

  /** The transaction of a bound request (checked again: the page shows every field), or undefined. */
  function transactionOf(details: Details): Transaction | undefined {
    const requested = requestedDetails(details.params);
    if (!requested) return undefined;
    const { types } = services.config.authorizationDetails;
    const checked = checkAuthorizationDetails(requested, types);
    return {
      details: checked,
      summary: transactionSummary(checked, types),
      words: transactionWords(checked, types),
    };
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: InteractionResults, shown: Shown = {}): Promise<FastifyReply> {
    const url = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return sendContinue(request, reply, shown, url);
  }

  /** Records the consent; a transaction's details go on a Grant of their own, never a reused one. */
  async function consentGrant(details: Details, transaction?: Transaction): Promise<string> {
    const accountId = String(details.session?.accountId);
    const grant = details.grantId && !transaction
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = (details.prompt.details ?? {}) as Record<string, unknown>;
    if (Array.isArray(missing.missingOIDCScope)) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (Array.isArray(missing.missingOIDCClaims)) grant!.addOIDCClaims(missing.missingOIDCClaims as string[]);
    for (const [resource, scopes] of Object.entries((missing.missingResourceScopes ?? {}) as Record<string, string[]>)) {
      grant!.addResourceScope(resource, scopes.join(' '));
    }
    for (const detail of transaction?.details ?? []) grant!.addRar(detail);
    return grant!.save();
  }

  /**
   * The consent of a bound request. The user approved the transaction on
   * the factor page, which showed it; that page's login result is the
   * previous submission of this same authorization. Without one nothing
   * approved it, and the request is refused rather than approved here.
   */
  async function approveTransaction(request: FastifyRequest, reply: FastifyReply, details: Details, state: SessionState, transaction: Transaction): Promise<FastifyReply> {
    const login = details.lastSubmission?.login;
    if (!login || login.accountId !== state.user.id) {
      return finish(request, reply, { error: 'access_denied', error_description: 'the transaction was not approved with a factor given on the page that shows it' });
    }
    // The login result goes along again: the resumed request must see it, or it would ask for a factor once more.
    return finish(request, reply, { login, consent: { grantId: await consentGrant(details, transaction) } });
  }

  async function resolve(request: FastifyRequest, details: Details, state: SessionState, justAuthenticatedAt?: number) {
    const asked = requestedAssurance(details.params);
    const { ip, userAgent } = signInContext(request);
    const policy = await applyLoginPolicy(services, asked, {
      clientId: String(details.params.client_id), user: state.user, ip: ip ?? undefined, userAgent: userAgent ?? undefined, deviceId: readDeviceId(request, services),
    });
    const { requested } = policy;
    const now = judgementTime(requested, services.now(), justAuthenticatedAt);
    return { requested, now, policy, resolution: resolveAssurance(state.events, requested, state.enrolled, services.levels, now) };
  }

  async function signInPage(request: FastifyRequest, reply: FastifyReply, details: Details, shown: Shown, transaction: Transaction | undefined): Promise<FastifyReply> {
    const base = `/interaction/${details.uid}`;
    const passkey = webauthnEnabled(services)
      ? { action: `${base}/passkey`, start: await startWebauthnAuthentication(services) }
      : undefined;
    applyRetryAfter(reply, shown.cause);
    return sendPage(reply, shown.status ?? 200, renderSignInPage({
      action: `${base}/password`, csrfToken: reply.generateCsrf(), clientName: await clientNameOf(details),
      error: shown.error, cancelUrl: `${base}/abort`, passkey, transaction: transaction?.summary,
    }));
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
    // Scripts and API clients get the error as JSON; browsers get the page again.
    if (shown.cause && !wantsHtml(request)) return sendError(request, reply, shown.cause);

    const transaction = transactionOf(details);
    if (details.prompt.name === 'consent' && state) {
      if (transaction) return approveTransaction(request, reply, details, state, transaction);
      return finish(request, reply, { consent: { grantId: await consentGrant(details) } });
    }
    if (!state) return signInPage(request, reply, details, shown, transaction);

    const { requested, now, resolution, policy } = await resolve(request, details, state, shown.now);
    if (policy.deny) return finish(request, reply, { error: 'access_denied', error_description: deniedBy(policy.reasons) });
    if (requested.essential && !requested.acceptable.some((name) => services.levels.has(name))) {
      return finish(request, reply, { error: 'unmet_authentication_requirements', error_description: 'none of the essential acr values is supported' });
    }
    if (resolution.kind === 'finish') {
      if (shown.answered) {
        await recordStepUpSatisfied(services, {
          subject: state.user.id, method: shown.answered, acr: resolution.acr, ip: request.ip, device: readDeviceId(request, services),
          requirement: { acr: resolution.acr, maxAge: requested.maxAge, methods: requested.methods },
          rules: policy.reasons.flatMap((reason) => (reason.kind === 'rule' ? [reason.rule] : [])),
          ref: { surface: 'oidc', client: String(details.params.client_id), interaction: details.uid },
        });
      }
      return finish(request, reply, {
        login: { accountId: state.user.id, acr: resolution.acr, amr: [...resolution.amr], ts: resolution.authTime, remember: true },
      }, shown);
    }
    const clientName = await clientNameOf(details);
    if (resolution.kind === 'ask') {
      const offered = offeredMethods(resolution.authenticators, webauthnEnabled(services) ? [] : ['webauthn']);
      // For a one-factor level the password is the natural first answer.
      const oneFactor = services.levels.get(resolution.requirement.acr).criteria.factors < 2;
      const picked = shown.method ?? (oneFactor && offered.includes('password') ? 'password' : undefined);
      const selected = chooseMethod(offered, picked, state.user.preferredMethod);
      const alternatives = (current: MethodId) => offered
        .filter((method) => method !== current)
        .map((method) => ({ method, label: METHOD_CHOICE_LABELS[method], href: `${base}?method=${method}` }));
      if (selected === 'password' || selected === undefined) {
        applyRetryAfter(reply, shown.cause);
        return sendPage(reply, status, renderSignInPage({
          action: `${base}/password`, csrfToken: reply.generateCsrf(), clientName, error: shown.error, reauthenticate: true,
          username: state.user.username, cancelUrl: `${base}/abort`, alternatives: alternatives('password'), transaction: transaction?.summary,
        }));
      }
      return sendStepUpPage(services, reply, {
        state, authenticators: resolution.authenticators, offered, selected, base, query: '',
        reason: transaction
          ? `${clientName} asks you to approve this transaction (${describeRequirement(resolution.requirement)}).`
          : `${clientName} asks you to confirm it’s you (${describeRequirement(resolution.requirement)}).`,
        cancelUrl: `${base}/abort`, transaction: transaction?.summary,
      }, shown);
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
    applyRetryAfter(reply, shown.cause);
    return sendPage(reply, status, renderEnrollTotpPage({
      action: `${base}/enroll-totp`, csrfToken: reply.generateCsrf(), username: state.user.username, error: shown.error,
      enrollment: await startTotpEnrollment(services, state.user), cancelUrl: `${base}/abort`,
      reason: transaction
        ? `${clientName} asks you to approve: ${transaction.words}. That needs a second sign-in method (${describeRequirement(resolution.requirement)}). Add an authenticator app to continue.`
        : `${clientName} needs a second sign-in method (${describeRequirement(resolution.requirement)}). Add an authenticator app to continue.`,
    }));
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
      // The same session typing its password again is a step-up (max_age, a re-prompt), not a new sign-in.
      return proceed(request, reply, details, await loadSessionState(services, token), { now: at, answered: token === existing?.token ? 'password' : undefined });
    } catch (error) {
      return proceed(request, reply, details, existing, { ...pageError(error), method: 'password' });
    }
  });

  app.post('/interaction/:uid/passkey', { config: FORM_RATE_LIMIT, schema: { params: uidParams, body: passkeyBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const details = await interaction(request, reply);
    const { ceremony_id: ceremonyId, response } = request.body as { ceremony_id: string; response: string };
    const existing = await currentSession(request, services);
    try {
      const { user, event } = await finishWebauthnAuthentication(services, { ceremonyId, response });
      const token = await signInWithEvent(request, reply, services, existing, user, event);
      return proceed(request, reply, details, await loadSessionState(services, token), { now: event.at });
    } catch (error) {
      if (error instanceof StepwiseError) await recordSignInFailed(services, { method: 'webauthn', reason: error.code, ip: request.ip });
      return proceed(request, reply, details, existing, pageError(error));
    }
  });

  registerStepUpAnswers<InteractionContext>(app, services, {
    prefix: '/interaction/:uid',
    schema: { params: uidParams },
    async open(request, reply) {
      const details = await interaction(request, reply);
      const state = await currentSession(request, services);
      if (!state) {
        await proceed(request, reply, details, undefined, pageError(new SimpleError('ERR_SESSION_REQUIRED')));
        return undefined;
      }
      const { resolution } = await resolve(request, details, state);
      const offered = resolution.kind === 'ask' ? offeredMethods(resolution.authenticators) : [];
      const transaction = transactionOf(details);
      const clientName = await clientNameOf(details);
      return {
        details, state, offered, challengeKey: `interaction:${details.uid}`,
        ref: { surface: 'oidc', client: String(details.params.client_id), interaction: details.uid },
        // A sent code names the transaction too, so the message itself tells the payer what they approve.
        purpose: transactionPurpose(transaction?.details, clientName, services.config.authorizationDetails.types) ?? `confirm a sign-in to ${clientName}`,
      };
    },
    resume: (request, reply, context, shown) => proceed(request, reply, context.details, context.state, shown),
  });

  app.post('/interaction/:uid/enroll-totp', { config: FORM_RATE_LIMIT, schema: { params: uidParams, body: enrollBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const details = await interaction(request, reply);
    const state = await currentSession(request, services);
    if (!state) return proceed(request, reply, details, undefined, pageError(new SimpleError('ERR_SESSION_REQUIRED')));
    const { code, factor_id: factorId } = request.body as { code: string; factor_id: string };
    try {
      const event = await confirmTotpEnrollment(services, { user: state.user, factorId, code });
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return proceed(request, reply, details, await loadSessionState(services, state.token), { now: event.at, answered: 'totp' });
    } catch (error) {
      return proceed(request, reply, details, state, { ...pageError(error), method: 'totp' });
    }
  });

  app.get('/interaction/:uid/abort', { schema: { params: uidParams } }, async (request, reply) => {
    await interaction(request, reply);
    return finish(request, reply, { error: 'access_denied', error_description: 'the user cancelled the sign-in' });
  });
}
