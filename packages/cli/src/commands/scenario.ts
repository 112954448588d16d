import { ValidationError, type ProvenAssurance } from '@stepwise/core';
import { givenProof } from '@stepwise/server';

/** Where a step of a scenario comes from. */
export interface ScenarioPlace {
  readonly ip?: string | undefined;
  /** The device id the risk engine sees (a device cookie, an app's own id). */
  readonly device?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** A completed sign-in: it is assessed, then added to the user's history. */
export interface ScenarioSignIn extends ScenarioPlace {
  readonly kind: 'sign_in';
  readonly index: number;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly method?: string | undefined;
}

/** An action decided under the policy and the risk of that moment. */
export interface ScenarioAction extends ScenarioPlace {
  readonly kind: 'action';
  readonly index: number;
  readonly time: number;
  readonly action: string;
  readonly resource: Readonly<Record<string, unknown>>;
  /** More request context for the policy (`context.*`), beside ip, device_id and time. */
  readonly context: Readonly<Record<string, unknown>>;
  readonly proof: ProvenAssurance | undefined;
}

/** A timeline for one user. */
export interface Scenario {
  readonly user: string;
  readonly events: readonly (ScenarioSignIn | ScenarioAction)[];
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(raw: Record<string, unknown>, key: string, field: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${field}.${key}`, 'must be a non-empty string');
  return value;
}

function timeOf(value: unknown, field: string): number {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  const millis = date?.getTime();
  if (millis === undefined || Number.isNaN(millis) || typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new ValidationError(field, 'must be an ISO 8601 time with a zone, such as 2026-03-02T09:00:00Z');
  }
  return Math.floor(millis / 1000);
}

function placeOf(raw: Record<string, unknown>, field: string): ScenarioPlace {
  return { ip: optionalString(raw, 'ip', field), device: optionalString(raw, 'device', field), userAgent: optionalString(raw, 'user_agent', field) };
}

function mappingOf(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new ValidationError(field, 'must be a mapping');
  return value;
}

const SIGN_IN_FIELDS = ['ip', 'device', 'user_agent', 'method'];
const ACTION_FIELDS = ['at', 'action', 'resource', 'context', 'ip', 'device', 'user_agent', 'token'];

function readEvent(raw: unknown, index: number): ScenarioSignIn | ScenarioAction {
  const field = `events[${index}]`;
  if (!isMapping(raw)) throw new ValidationError(field, 'must be a mapping with "at" and either "sign_in" or "action"');
  const time = timeOf(raw.at, `${field}.at`);
  if (raw.sign_in !== undefined) {
    const extra = Object.keys(raw).find((key) => key !== 'at' && key !== 'sign_in');
    if (extra !== undefined) throw new ValidationError(`${field}.${extra}`, 'does not belong beside sign_in (only "at")');
    const signIn = mappingOf(raw.sign_in, `${field}.sign_in`);
    const unknown = Object.keys(signIn).find((key) => !SIGN_IN_FIELDS.includes(key));
    if (unknown !== undefined) throw new ValidationError(`${field}.sign_in.${unknown}`, `is not a sign-in field (${SIGN_IN_FIELDS.join(', ')})`);
    return { kind: 'sign_in', index, time, ...placeOf(signIn, `${field}.sign_in`), method: optionalString(signIn, 'method', `${field}.sign_in`) };
  }
  if (typeof raw.action !== 'string' || raw.action === '') throw new ValidationError(`${field}.action`, 'needs "sign_in" or "action" (a non-empty string)');
  const unknown = Object.keys(raw).find((key) => !ACTION_FIELDS.includes(key));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, `is not an action field (${ACTION_FIELDS.join(', ')})`);
  return {
    kind: 'action',
    index,
    time,
    action: raw.action,
    resource: mappingOf(raw.resource, `${field}.resource`),
    context: mappingOf(raw.context, `${field}.context`),
    ...placeOf(raw, field),
    proof: givenProof(raw.token, `${field}.token`, time),
  };
}

/**
 * Checks a scenario: `user:` and `events:`, a list of sign-ins and actions
 * in time order.
 *
 * @param raw - the parsed YAML
 * @throws {@link ValidationError} naming the field (`events[3].at`)
 * @example
 * ```ts
 * const scenario = located(readYamlFile('scenario.yaml'), readScenario);
 * ```
 */
export function readScenario(raw: unknown): Scenario {
  if (!isMapping(raw)) throw new ValidationError('user', 'the file must hold "user:" and "events:"');
  const unknown = Object.keys(raw).find((key) => key !== 'user' && key !== 'events');
  if (unknown !== undefined) throw new ValidationError(unknown, 'is not known here (only "user" and "events")');
  if (typeof raw.user !== 'string' || raw.user.trim() === '') throw new ValidationError('user', 'must be a username');
  if (!Array.isArray(raw.events) || raw.events.length === 0) throw new ValidationError('events', 'must be a list of sign-ins and actions');
  const events = raw.events.map((event: unknown, index) => readEvent(event, index));
  events.forEach((event, index) => {
    if (index > 0 && event.time < events[index - 1]!.time) throw new ValidationError(`events[${index}].at`, 'is earlier than the event before it; list events in time order');
  });
  return { user: raw.user, events };
}
