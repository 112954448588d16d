import { InvalidCodeError, SimpleError, StepwiseError, type AuthenticationEvent, type MethodId } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordStepUpFailed, type StepUpRef } from '../../audit/events.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../../flows/one-time-codes.js';
import { verifyRecoveryCode } from '../../flows/recovery-codes.js';
import { loadSessionState, withEvent, type SessionState } from '../../flows/session-state.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import { verifyTotpCode } from '../../flows/totp-verification.js';
import { finishWebauthnAuthentication } from '../../flows/webauthn-authentication.js';
import type { Services } from '../../services.js';
import { setPreferredMethod } from '../../storage/users.js';
import { wantsHtml } from '../errors.js';
import { renderContinuePage } from '../pages/continue-page.js';
import type { PageError } from '../pages/layout.js';
import { signInContext } from '../session-cookie.js';
import { codeBody, FORM_RATE_LIMIT, passkeyBody, sendPage } from '../routes/forms.js';

/** A step-up page as opened: who, which step-up, what it offers. */
export interface StepUpContext {
  readonly state: SessionState;
  /** The attempt counter and code binding of this step-up. */
  readonly challengeKey: string;
  /** Methods the page offers now; answers with any other are refused. */
  readonly offered: readonly MethodId[];
  /** Plain words for sent codes: "confirm a sign-in to Stepwise Bank". */
  readonly purpose: string;
  /** What the audit log ties this step-up's events to. */
  readonly ref: StepUpRef;
}

/** How the page is shown again after an answer. */
export interface Shown {
  readonly error?: PageError | undefined;
  readonly status?: number;
  /** Judge assurance at this instant (the event just recorded), so max_age=0 cannot loop. */
  readonly now?: number;
  /** The method the user picked among those offered. */
  readonly method?: string | undefined;
  /** The error behind `error`, for headers such as Retry-After. */
  readonly cause?: StepwiseError;
  /** A message for the user (a code was sent; recovery codes left). */
  readonly notice?: string | undefined;
  /** Show the notice on a page with a Continue link instead of moving on silently. */
  readonly pause?: boolean;
  /** The method just verified in this step-up: when the surface finds the requirement met, it records `step_up_satisfied`. */
  readonly answered?: MethodId | undefined;
}

/**
 * Where a step-up runs (inside an OpenID Connect interaction, or before a
 * change on the account pages): how to open it from a request and how to
 * go on after an answer. The answers themselves are the same everywhere.
 */
export interface StepUpSurface<C extends StepUpContext> {
  /** Route prefix, with its parameters: `/interaction/:uid`, `/step-up`. */
  readonly prefix: string;
  readonly schema: { readonly params?: object; readonly querystring?: object };
  /** The context, or undefined when it has already answered (expired, signed out). */
  open(request: FastifyRequest, reply: FastifyReply): Promise<C | undefined>;
  /** Decides again with the session as it is now: finish, or show the page. */
  resume(request: FastifyRequest, reply: FastifyReply, context: C, shown: Shown): Promise<FastifyReply>;
}

/**
 * Moves on after a step-up that is met: to `continueUrl` at once, or, when
 * the last answer left a notice the user must read (recovery codes left),
 * through a page that shows it with a Continue link (browsers only).
 *
 * @param request - the request (its `Accept` decides)
 * @param reply - the reply
 * @param shown - the notice, if any
 * @param continueUrl - where the user goes on to
 * @param username - the signed-in user, for the page header
 */
export function sendContinue(request: FastifyRequest, reply: FastifyReply, shown: Shown, continueUrl: string, username?: string): FastifyReply {
  if (shown.pause && shown.notice && wantsHtml(request)) {
    return sendPage(reply, 200, renderContinuePage({ title: 'Confirmed', notice: shown.notice, continueUrl, username }));
  }
  return reply.redirect(continueUrl, 303);
}

/**
 * Turns an error into what the page shows; anything unexpected is rethrown.
 *
 * @param error - what a flow threw
 */
export function pageError(error: unknown): { error: PageError; status: number; cause: StepwiseError } {
  if (!(error instanceof StepwiseError)) throw error;
  return { error: { code: error.code, message: error.message }, status: error.status, cause: error };
}

const factorBody = {
  type: 'object',
  required: ['factor_id'],
  properties: { _csrf: { type: 'string', maxLength: 256 }, factor_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const sentCodeBody = {
  type: 'object',
  required: ['code', 'method'],
  properties: { ...codeBody.properties, method: { type: 'string', enum: ['email_otp', 'sms_otp'] } },
} as const;

const recoveryCodeBody = {
  type: 'object',
  required: ['code'],
  properties: { _csrf: { type: 'string', maxLength: 256 }, code: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

type Verified = {
  readonly event: AuthenticationEvent;
  readonly notice?: string;
  /** The answer changed what the user has enrolled (a last recovery code, a credential's backup state): read the session again. */
  readonly authenticatorsChanged?: boolean;
};
type Body = Record<string, string>;

/**
 * Registers the answers every step-up page takes, under a surface's prefix:
 * a passkey or security key, an authenticator app code, an emailed or
 * texted code (and sending one), a recovery code. Each verified answer is
 * recorded in the session and remembered as the user's choice; then the
 * surface decides again.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @param surface - where the step-up runs
 */
export function registerStepUpAnswers<C extends StepUpContext>(app: FastifyInstance, services: Services, surface: StepUpSurface<C>): void {
  const route = (path: string, body: object, handle: (request: FastifyRequest, reply: FastifyReply, context: C, body: Body) => Promise<FastifyReply>) =>
    app.post(
      `${surface.prefix}/${path}`,
      { config: FORM_RATE_LIMIT, schema: { ...surface.schema, body }, preHandler: app.csrfProtection },
      async (request, reply) => {
        const context = await surface.open(request, reply);
        if (!context) return reply;
        return handle(request, reply, context, request.body as Body);
      },
    );

  const answer = (path: string, body: object, methodOf: (body: Body) => MethodId, verify: (context: C, body: Body) => Promise<Verified>) =>
    route(path, body, async (request, reply, context, fields) => {
      const method = methodOf(fields);
      try {
        if (!context.offered.includes(method)) throw new SimpleError('ERR_METHOD_NOT_OFFERED', undefined, { method });
        const { event, notice, authenticatorsChanged } = await verify(context, fields);
        const { state } = context;
        await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
        // A recovery code is for a lost device: never the default next time.
        const preferred = method === 'recovery_code' ? state.user.preferredMethod : method;
        if (preferred !== state.user.preferredMethod) await setPreferredMethod(services.db, state.user.id, method);
        // Only a verification that changed the user's authenticators needs them read again.
        const next = authenticatorsChanged ? await loadSessionState(services, state.token) : withEvent(state, event, preferred);
        return surface.resume(request, reply, { ...context, state: next ?? state }, { now: event.at, notice, pause: notice !== undefined, answered: method });
      } catch (error) {
        if (error instanceof StepwiseError) {
          await recordStepUpFailed(services, {
            subject: context.state.user.id, method, reason: error.code, ref: context.ref, ip: request.ip,
            attemptsLeft: error instanceof InvalidCodeError ? error.attemptsLeft : undefined,
          });
        }
        return surface.resume(request, reply, context, { ...pageError(error), method });
      }
    });

  const scope = (context: C) => ({ challengeKey: context.challengeKey, userId: context.state.user.id });

  answer('webauthn', passkeyBody, () => 'webauthn', async (context, body) => {
    const { event } = await finishWebauthnAuthentication(services, { ceremonyId: body.ceremony_id!, response: body.response!, user: context.state.user });
    return { event, authenticatorsChanged: true };
  });

  answer('totp', codeBody, () => 'totp', async (context, body) => ({
    event: await verifyTotpCode(services, { factors: context.state.factors, code: body.code!, scope: scope(context) }),
  }));

  answer('code', sentCodeBody, (body) => body.method as MethodId, async (context, body) => ({
    event: await verifyOneTimeCode(services, {
      factors: context.state.factors.filter((factor) => factor.method === body.method),
      code: body.code!,
      scope: scope(context),
    }),
  }));

  answer('recovery-code', recoveryCodeBody, () => 'recovery_code', async (context, body) => {
    const { event, remaining } = await verifyRecoveryCode(services, { factors: context.state.factors, code: body.code!, scope: scope(context) });
    const left = remaining === 0
      ? 'That was your last recovery code. Generate new ones on your account page.'
      : `You have ${remaining} recovery code${remaining === 1 ? '' : 's'} left.`;
    return { event, notice: `Recovery code accepted. ${left}`, authenticatorsChanged: true };
  });

  route('send-code', factorBody, async (request, reply, context, body) => {
    const factor = context.state.factors.find((candidate) => candidate.id === body.factor_id);
    const method = factor?.method;
    try {
      if (!factor || (method !== 'email_otp' && method !== 'sms_otp')) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
      if (!context.offered.includes(factor.method)) throw new SimpleError('ERR_METHOD_NOT_OFFERED', undefined, { method: factor.method });
      const sent = await sendOneTimeCode(services, { user: context.state.user, factor, challengeKey: context.challengeKey, purpose: context.purpose });
      const minutes = Math.max(1, Math.round((sent.expiresAt - services.now()) / 60));
      return surface.resume(request, reply, context, { method, notice: `We sent a code to ${sent.maskedDestination}. It works for ${minutes} minutes.` });
    } catch (error) {
      return surface.resume(request, reply, context, { ...pageError(error), method });
    }
  });
}
