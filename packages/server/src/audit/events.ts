import { amrOf, type AuditEventInput, type AuditJson, type AuditRecord, type AuthenticationEvent, type DecisionReason, type Requirement, type RiskAssessment } from '@stepwise/core';
import { matchedRules, requirementJson } from '../policy/describe-decision.js';
import type { Services } from '../services.js';
import type { Db } from '../storage/database.js';

/*
 * One function per kind of audit event, so every place that records one
 * writes the same fields, and none of them can slip a secret in: each takes
 * only what the log may keep (ids, names, methods, requirements, reasons),
 * never a code, a password or a token.
 */

/** Where a request came from, as far as the log keeps it. */
export interface AuditOrigin {
  readonly ip?: string | null | undefined;
  /** The device id (cookie, or the decision's `context.device_id`). */
  readonly device?: string | null | undefined;
}

/** Where a step-up ran: an OIDC interaction, the account pages, or a decision challenge. */
export type StepUpSurfaceName = 'oidc' | 'account' | 'challenge';

/** The ids that tie a step-up to what asked for it. */
export interface StepUpRef {
  readonly surface: StepUpSurfaceName;
  /** OIDC client id, or the API key name of a decision challenge. */
  readonly client?: string | null | undefined;
  readonly decisionId?: string | null | undefined;
  readonly challengeId?: string | null | undefined;
  /** The OIDC interaction uid. */
  readonly interaction?: string | undefined;
}

function refDetails(ref: StepUpRef): Record<string, AuditJson> {
  return {
    surface: ref.surface,
    ...(ref.decisionId ? { decision_id: ref.decisionId } : {}),
    ...(ref.challengeId ? { challenge_id: ref.challengeId } : {}),
    ...(ref.interaction ? { interaction: ref.interaction } : {}),
  };
}

/** `{ acr, max_age?, methods? }`, as the configuration and the API write it. */
function requirementOf(requirement: Requirement): AuditJson {
  return requirementJson(requirement) as AuditJson;
}

/** The risk signals behind reasons: `[{ code, weight }]`, evidence left out (it may hold addresses and places). */
function signalsOf(reasons: readonly DecisionReason[]): AuditJson[] {
  return reasons.flatMap((reason) => (reason.kind === 'risk' ? [{ code: reason.code, weight: reason.weight }] : []));
}

/** The `amr` of one authentication event, space-separated: `pwd`, `otp`, `hwk user`. */
export function amrText(event: AuthenticationEvent): string {
  return amrOf([event]).join(' ');
}

/**
 * A first-factor sign-in succeeded (password or passkey).
 *
 * @param services - shared services
 * @param input - the user, how, and from where
 * @example
 * ```ts
 * await recordSignIn(services, { userId: user.id, event, ip: request.ip, device });
 * ```
 */
export function recordSignIn(services: Services, input: SignIn): Promise<AuditRecord> {
  return services.audit.record(signInEvent(input));
}

/** What {@link recordSignIn} records. */
export type SignIn = { readonly userId: string; readonly event: AuthenticationEvent } & AuditOrigin;

/**
 * The `sign_in` event, for `audit.recordWith` when it must commit with the
 * session it reports.
 *
 * @param input - as for {@link recordSignIn}
 * @example
 * ```ts
 * await services.audit.recordWith(signInEvent({ userId: user.id, event, ip }), async (trx) => { await createSessionWithEvent(trx, session, event); return true; });
 * ```
 */
export function signInEvent(input: SignIn): Omit<AuditEventInput, 'at'> {
  return {
    type: 'sign_in', actor: `user:${input.userId}`, subject: input.userId, ip: input.ip ?? null, device: input.device ?? null,
    outcome: amrText(input.event), details: { method: input.event.method },
  };
}

/**
 * A sign-in was refused. The typed username is kept only when it names a
 * known user: an unknown one may be a password typed into the wrong field.
 *
 * @param services - shared services
 * @param input - the user when known, the method, the error code, from where
 * @example
 * ```ts
 * await recordSignInFailed(services, { user, method: 'password', reason: 'ERR_INVALID_CREDENTIALS', ip });
 * ```
 */
export function recordSignInFailed(
  services: Services,
  input: { user?: { id: string; username: string } | undefined; method: string; reason: string } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'sign_in_failed', actor: input.user ? `user:${input.user.id}` : null, subject: input.user?.id ?? null,
    ip: input.ip ?? null, device: input.device ?? null, outcome: input.reason,
    details: { method: input.method, ...(input.user ? { username: input.user.username } : {}) },
  });
}

/**
 * A failure counter reached its limit: from now on the account (or the
 * address) is refused until the window ends. Recorded once, by the failure
 * that reached it.
 *
 * @param services - shared services
 * @param input - what is locked (`account` with its user, or `ip`), for how long
 * @example
 * ```ts
 * await recordLockout(services, { scope: 'account', subject: user.id, ip, retryAfterSeconds: 900 });
 * ```
 */
export function recordLockout(
  services: Services,
  input: { scope: 'account' | 'ip'; subject?: string | null | undefined; retryAfterSeconds: number; failures: number } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'lockout', actor: 'system', subject: input.subject ?? null, ip: input.ip ?? null, device: input.device ?? null,
    outcome: input.scope, details: { failures: input.failures, retry_after: input.retryAfterSeconds },
  });
}

/**
 * A step-up was met: the requirement, the method that met it, and what
 * asked for it (client, decision, challenge).
 *
 * @param services - shared services
 * @param input - the user, the requirement, the last method, the achieved `acr`, the reference
 * @example
 * ```ts
 * await recordStepUpSatisfied(services, { subject, requirement, method: 'totp', acr: 'aal2', ref: { surface: 'challenge', challengeId, decisionId, client } });
 * ```
 */
export function recordStepUpSatisfied(services: Services, input: StepUpSatisfied): Promise<AuditRecord> {
  return services.audit.record(stepUpSatisfiedEvent(input));
}

/** What {@link recordStepUpSatisfied} records. */
export type StepUpSatisfied = {
  subject: string; requirement: Requirement; method?: string | undefined; acr?: string | undefined; rules?: readonly string[] | undefined; ref: StepUpRef;
} & AuditOrigin;

/**
 * The `step_up_satisfied` event itself, for `services.audit.recordWith`
 * (a decision challenge commits it with its state change).
 *
 * @param input - as for {@link recordStepUpSatisfied}
 * @example
 * ```ts
 * await services.audit.recordWith(stepUpSatisfiedEvent(input), (trx) => satisfyChallenge(trx, id, outcome, now));
 * ```
 */
export function stepUpSatisfiedEvent(input: StepUpSatisfied): Omit<AuditEventInput, 'at'> {
  return {
    type: 'step_up_satisfied', actor: `user:${input.subject}`, subject: input.subject, client: input.ref.client ?? null,
    ip: input.ip ?? null, device: input.device ?? null, requirement: requirementOf(input.requirement),
    rules: input.rules ? [...input.rules] : null, outcome: 'satisfied',
    details: { ...refDetails(input.ref), ...(input.method ? { method: input.method } : {}), ...(input.acr ? { acr: input.acr } : {}) },
  };
}

/**
 * A step-up answer was refused (wrong or replayed code, failed assertion,
 * attempts spent): the method, the error code, and the attempts left.
 *
 * @param services - shared services
 * @param input - the user, the method, the error code, attempts left when known, the reference
 * @example
 * ```ts
 * await recordStepUpFailed(services, { subject, method: 'totp', reason: 'ERR_INVALID_CODE', attemptsLeft: 4, ref });
 * ```
 */
export function recordStepUpFailed(
  services: Services,
  input: { subject: string; method: string; reason: string; attemptsLeft?: number | undefined; ref: StepUpRef } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'step_up_failed', actor: `user:${input.subject}`, subject: input.subject, client: input.ref.client ?? null,
    ip: input.ip ?? null, device: input.device ?? null, outcome: input.reason,
    details: { ...refDetails(input.ref), method: input.method, ...(input.attemptsLeft === undefined ? {} : { attempts_left: input.attemptsLeft }) },
  });
}

/** A decision of the decision API, as `recordDecision` takes it. */
export interface DecisionFacts {
  readonly decisionId: string;
  readonly decision: 'allow' | 'step_up' | 'deny';
  readonly requirement: Requirement;
  readonly reasons: readonly DecisionReason[];
  readonly risk: RiskAssessment;
  readonly subject: { readonly id: string; readonly username: string };
  readonly action: string;
  /** The API key's name. */
  readonly client: string;
  readonly resource: Readonly<Record<string, unknown>>;
  /** What policies saw as `context`. */
  readonly context: Readonly<Record<string, unknown>>;
  /** The proof the caller's token gave: `{ acr, amr, auth_time }`, or `{}`. */
  readonly session: Readonly<Record<string, unknown>>;
  /** Epoch seconds the decision was judged at. */
  readonly time: number;
  readonly challengeId?: string | undefined;
}

/**
 * Every decision (`decision`) and, for a step-up, the step-up it asks
 * (`step_up_asked`), committed together. The decision keeps what the
 * policy saw (resource, context, session, risk), so `stepwise audit
 * export --type decision` feeds `stepwise policy diff --events`.
 *
 * @param services - shared services
 * @param facts - the decision and its input
 * @param change - what the decision stores (its row, its challenge), committed in the same transaction as its events
 * @example
 * ```ts
 * await recordDecision(services, { decisionId, decision: 'step_up', requirement, reasons, risk, subject, action, client, resource, context, session, time, challengeId }, (trx) => insertDecision(trx, stored));
 * ```
 */
export async function recordDecision(services: Services, facts: DecisionFacts, change: (trx: Db) => Promise<void>): Promise<void> {
  const rules = matchedRules(facts);
  const signals = signalsOf(facts.reasons);
  const common = {
    actor: `api_key:${facts.client}`, subject: facts.subject.id, client: facts.client,
    ip: typeof facts.context.ip === 'string' ? facts.context.ip : null,
    device: typeof facts.context.device_id === 'string' ? facts.context.device_id : null,
    requirement: requirementOf(facts.requirement), rules, signals,
  };
  const decision = {
    ...common, type: 'decision' as const, at: facts.time * 1000, outcome: facts.decision,
    details: {
      decision_id: facts.decisionId, action: facts.action, username: facts.subject.username,
      resource: facts.resource as AuditJson, context: facts.context as AuditJson, session: facts.session as AuditJson,
      risk: { score: facts.risk.score, level: facts.risk.level, codes: facts.risk.signals.map((signal) => signal.code) },
      ...(facts.challengeId ? { challenge_id: facts.challengeId } : {}),
    },
  };
  const asked = facts.decision === 'step_up'
    ? {
        ...common, type: 'step_up_asked' as const, outcome: 'step_up',
        details: { decision_id: facts.decisionId, action: facts.action, ...(facts.challengeId ? { challenge_id: facts.challengeId } : {}) },
      }
    : undefined;
  // With the rows they report: never a decision without its events, nor the step-up asked without its decision.
  await services.audit.recordWith(asked ? [decision, asked] : [decision], async (trx) => { await change(trx); return true; });
}

/**
 * A challenge was found past its expiry while still pending; recorded by
 * the request that marked it expired, so once.
 *
 * @param services - shared services
 * @param input - the challenge and its decision, subject and requirement
 */
export function recordStepUpExpired(
  services: Services,
  input: { subject: string; challengeId: string; decisionId: string; requirement: Requirement; client?: string | undefined },
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'step_up_expired', actor: 'system', subject: input.subject, client: input.client ?? null,
    requirement: requirementOf(input.requirement), outcome: 'expired',
    details: { challenge_id: input.challengeId, decision_id: input.decisionId },
  });
}

/**
 * A sign-in method was added or removed (a recovery code set counts as one).
 *
 * @param services - shared services
 * @param input - `enrolled` or `removed`, the user, the factor's id and method
 */
export function recordFactorChange(
  services: Services,
  input: { change: 'enrolled' | 'removed'; subject: string; factorId: string; method: string } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: input.change === 'enrolled' ? 'factor_enrolled' : 'factor_removed', actor: `user:${input.subject}`, subject: input.subject,
    ip: input.ip ?? null, device: input.device ?? null, outcome: input.method, details: { factor_id: input.factorId, method: input.method },
  });
}

/**
 * The token endpoint issued an access token: who for, which client, at
 * what assurance, bound to which transaction. Never the token.
 *
 * @param services - shared services
 * @param input - subject, client, `acr`, `amr`, the grant type and `txn` if bound
 */
export function recordTokenIssued(
  services: Services,
  input: { subject: string | null; client: string; acr?: string | undefined; amr?: readonly string[] | undefined; grantType?: string | undefined; txn?: string | undefined } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'token_issued', actor: `client:${input.client}`, subject: input.subject, client: input.client, ip: input.ip ?? null,
    outcome: input.acr ?? null,
    details: {
      ...(input.amr ? { amr: [...input.amr] } : {}),
      ...(input.grantType ? { grant_type: input.grantType } : {}),
      ...(input.txn ? { txn: input.txn } : {}),
    },
  });
}

/**
 * A session ended by the user (sign-out, OpenID Connect logout).
 *
 * @param services - shared services
 * @param input - the user, the session id, how
 */
export function recordSessionRevoked(
  services: Services,
  input: { subject: string; sessionId: string; via: 'logout' | 'oidc_logout' } & AuditOrigin,
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'session_revoked', actor: `user:${input.subject}`, subject: input.subject, ip: input.ip ?? null, device: input.device ?? null,
    outcome: input.via, details: { session_id: input.sessionId },
  });
}

/**
 * The policy file was read again: taken (`ok`, with its rule names) or
 * refused (the error code; the previous policy stays).
 *
 * @param services - the audit log
 * @param input - the outcome, the file, the rules or the error code
 */
export function recordPolicyReloaded(
  services: Pick<Services, 'audit'>,
  input: { ok: boolean; file: string; rules?: readonly string[]; code?: string },
): Promise<AuditRecord> {
  return services.audit.record({
    type: 'policy_reloaded', actor: 'system', outcome: input.ok ? 'ok' : 'failed', rules: input.rules ? [...input.rules] : null,
    details: { file: input.file, ...(input.code ? { code: input.code } : {}) },
  });
}
