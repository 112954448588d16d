/**
 * What happened, in the audit log's words. Every type is one kind of
 * step-up fact an operator may be asked about.
 */
export const AUDIT_EVENT_TYPES = [
  'sign_in',
  'sign_in_failed',
  'decision',
  'step_up_asked',
  'step_up_satisfied',
  'step_up_failed',
  'step_up_expired',
  'factor_enrolled',
  'factor_removed',
  'token_issued',
  'session_revoked',
  'lockout',
  'policy_reloaded',
  'admin_action',
] as const;

/** One of {@link AUDIT_EVENT_TYPES}. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** A JSON value as stored in an event. */
export type AuditJson = null | boolean | number | string | readonly AuditJson[] | { readonly [key: string]: AuditJson };

/**
 * One event as written: who did what to whom, from where, why, and how it
 * ended. Only `type` and `at` are required; fields that do not apply are
 * `null`. Never put a secret here (a code, a password, a token): the log
 * is kept for years and exported.
 */
export interface AuditEventInput {
  readonly type: AuditEventType;
  /** Epoch milliseconds. */
  readonly at: number;
  /** Who acted: `user:<id>`, `admin:<username>`, `api_key:<name>`, `system`. */
  readonly actor?: string | null;
  /** The user the event is about (their `sub`). */
  readonly subject?: string | null;
  /** The OIDC client or API key name involved. */
  readonly client?: string | null;
  readonly ip?: string | null;
  /** The device id (the `stepwise_device` cookie's, or the decision's `context.device_id`). */
  readonly device?: string | null;
  /** The requirement in force: `{ acr, max_age, methods }`. */
  readonly requirement?: AuditJson;
  /** The policy rules behind it (names, or the decision's reasons of kind rule). */
  readonly rules?: readonly AuditJson[] | null;
  /** The risk signals behind it: `[{ code, weight }]`. */
  readonly signals?: readonly AuditJson[] | null;
  /** How it ended: `allow`, `step_up`, `deny`, `satisfied`, `wrong_code`, `totp`, … */
  readonly outcome?: string | null;
  /** Anything else worth keeping: decision and challenge ids, method, factor id, reason. */
  readonly details?: { readonly [key: string]: AuditJson } | null;
}

/** An event as stored: its place in the chain and the two hashes that link it. */
export interface AuditRecord {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  readonly type: AuditEventType;
  readonly at: number;
  readonly actor: string | null;
  readonly subject: string | null;
  readonly client: string | null;
  readonly ip: string | null;
  readonly device: string | null;
  readonly requirement: AuditJson;
  readonly rules: readonly AuditJson[] | null;
  readonly signals: readonly AuditJson[] | null;
  readonly outcome: string | null;
  readonly details: { readonly [key: string]: AuditJson } | null;
  /** The previous record's `hash` ({@link GENESIS_HASH} for the first). */
  readonly prevHash: string;
  /** SHA-256 (hex) of this record's canonical JSON, `prev_hash` included. */
  readonly hash: string;
}
