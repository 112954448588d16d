import { isIP } from 'node:net';
import { ValidationError, type DetailTypes } from '@stepwise/core';
import { bindTransaction, type BoundTransaction } from './bind-transaction.js';

/** A decision request, every field checked. */
export interface DecisionRequest {
  /** The user's `sub`. */
  readonly subject: string;
  readonly action: string;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly context: {
    readonly ip?: string;
    readonly userAgent?: string;
    readonly deviceId?: string;
    /** Seconds since the epoch; when the user acted (risk judges hours by it). */
    readonly time?: number;
    /** Further fields the app sends, visible to policies as `context.<name>`. */
    readonly extra: Readonly<Record<string, unknown>>;
  };
  /** The user's current Stepwise ID token, access token or step-up receipt. */
  readonly token?: string;
  /** Where the hosted challenge page sends the user back to; registered for the API key. */
  readonly returnTo?: string;
  /** The transaction (RFC 9396 `authorization_details`) the decision is bound to. */
  readonly transaction?: BoundTransaction;
}

const ACTION = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const KNOWN_FIELDS = new Set(['subject', 'action', 'resource', 'context', 'token', 'return_to', 'authorization_details']);
const CONTEXT_FIELDS = new Set(['ip', 'user_agent', 'device_id', 'time']);
const MAX_DEPTH = 4;
const MAX_KEYS = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  if (value.length === 0 || value.length > max) throw new ValidationError(field, `must be 1 to ${max} characters`);
  return value;
}

// Policies read resource and context fields; a bounded shape keeps CEL and storage cheap.
function boundedJson(value: unknown, field: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw new ValidationError(field, `nests deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    if (value.length > MAX_KEYS) throw new ValidationError(field, `has more than ${MAX_KEYS} items`);
    value.forEach((item, index) => boundedJson(item, `${field}[${index}]`, depth + 1));
  } else if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length > MAX_KEYS) throw new ValidationError(field, `has more than ${MAX_KEYS} fields`);
    for (const [key, item] of entries) boundedJson(item, `${field}.${key}`, depth + 1);
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ValidationError(field, 'must be a finite number');
  } else if (typeof value === 'string' && value.length > 1024) {
    throw new ValidationError(field, 'is longer than 1024 characters');
  }
}

function timeOf(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1e11) return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw new ValidationError('context.time', 'must be an ISO 8601 date-time with a zone ("2026-12-01T14:02:00Z") or epoch seconds');
}

/**
 * Checks a decision request body field by field; each refusal names the
 * field (`context.ip`, `resource.amount`,
 * `authorization_details[0].instructedAmount.amount`) and says what is
 * expected.
 *
 * @param body - the parsed JSON body
 * @param detailTypes - the authorization detail types in force (`config.authorizationDetails.types`)
 * @throws {@link ValidationError}; `AuthorizationDetailsError` for `authorization_details`
 * @example
 * ```ts
 * parseDecisionRequest({ subject: 'u1', action: 'transfer.create', resource: { amount: 5000 }, context: { ip: '203.0.113.7' } }, services.config.authorizationDetails.types);
 * ```
 */
export function parseDecisionRequest(body: unknown, detailTypes: DetailTypes): DecisionRequest {
  if (!isRecord(body)) throw new ValidationError('body', 'must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw new ValidationError(key, 'is not a known field');
  }
  const subject = text(body.subject, 'subject', 256);
  const action = text(body.action, 'action', 128);
  if (!ACTION.test(action)) throw new ValidationError('action', 'must be letters, digits and . _ : - (such as "transfer.create")');
  const resource = body.resource ?? {};
  if (!isRecord(resource)) throw new ValidationError('resource', 'must be a JSON object');
  boundedJson(resource, 'resource');
  const rawContext = body.context ?? {};
  if (!isRecord(rawContext)) throw new ValidationError('context', 'must be a JSON object');
  boundedJson(rawContext, 'context');
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawContext)) if (!CONTEXT_FIELDS.has(key)) extra[key] = value;
  const ip = rawContext.ip === undefined ? undefined : text(rawContext.ip, 'context.ip', 64);
  if (ip !== undefined && isIP(ip) === 0) throw new ValidationError('context.ip', 'must be an IPv4 or IPv6 address');
  const userAgent = rawContext.user_agent === undefined ? undefined : text(rawContext.user_agent, 'context.user_agent', 1024);
  const deviceId = rawContext.device_id === undefined ? undefined : text(rawContext.device_id, 'context.device_id', 256);
  const time = rawContext.time === undefined ? undefined : timeOf(rawContext.time);
  const token = body.token === undefined || body.token === null ? undefined : text(body.token, 'token', 8192);
  if (token !== undefined && !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw new ValidationError('token', 'must be a compact JWT');
  }
  const returnTo = body.return_to === undefined ? undefined : text(body.return_to, 'return_to', 2048);
  // Present but null is refused, not read as unbound: a caller that meant to bind must not silently get an unbound receipt.
  const transaction = body.authorization_details === undefined ? undefined : bindTransaction(body.authorization_details, detailTypes);
  return {
    subject,
    action,
    resource,
    context: {
      ...(ip === undefined ? {} : { ip }),
      ...(userAgent === undefined ? {} : { userAgent }),
      ...(deviceId === undefined ? {} : { deviceId }),
      ...(time === undefined ? {} : { time }),
      extra,
    },
    ...(token === undefined ? {} : { token }),
    ...(returnTo === undefined ? {} : { returnTo }),
    ...(transaction === undefined ? {} : { transaction }),
  };
}
