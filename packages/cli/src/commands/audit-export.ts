import { AUDIT_EVENT_TYPES, type AuditEventType, type AuditRecord } from '@stepwise/core';
import { auditEvents, auditRecordJson, type Database } from '@stepwise/server';
import { UsageError, type Output } from '../output.js';
import { instantOf } from './audit-time.js';

/** Options of `stepwise audit export`. */
export interface AuditExportOptions {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  /** Comma-separated event types. */
  readonly type?: string | undefined;
  readonly format?: string | undefined;
}

/**
 * A `decision` event in the shape `stepwise policy diff --events` reads:
 * what the policy saw (subject, action, resource, context, session, risk,
 * client), when (`time`, epoch seconds) and what was answered.
 *
 * @param record - a `decision` record
 * @example
 * ```ts
 * recordedDecisionJson(record); // { decision_id: 'dec_…', time: 1772442300, subject: { id: 'u1', username: 'alice' }, … }
 * ```
 */
export function recordedDecisionJson(record: AuditRecord): Record<string, unknown> {
  const details = record.details ?? {};
  return {
    decision_id: details.decision_id,
    time: Math.floor(record.at / 1000),
    subject: { id: record.subject, ...(typeof details.username === 'string' ? { username: details.username } : {}) },
    action: details.action,
    resource: details.resource ?? {},
    context: details.context ?? {},
    session: details.session ?? {},
    risk: details.risk ?? { score: 0, level: 'low', codes: [] },
    ...(record.client === null ? {} : { client: record.client }),
    decision: record.outcome,
    requirement: record.requirement,
  };
}

function typesOf(value: string | undefined): AuditEventType[] | undefined {
  if (value === undefined) return undefined;
  const types = value.split(',').map((type) => type.trim()).filter((type) => type !== '');
  const unknown = types.find((type) => !(AUDIT_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined || types.length === 0) {
    throw new UsageError(`--type must be event types separated by commas (${AUDIT_EVENT_TYPES.join(', ')})${unknown === undefined ? '' : `, got "${unknown}"`}`);
  }
  return types as AuditEventType[];
}

/**
 * `stepwise audit export`: the events in a time range (and of some types)
 * as NDJSON, oldest first, one event a line. A line is the stored record
 * (`seq`, `type`, `at` in epoch milliseconds, …, `prev_hash`, `hash`),
 * except that a `decision` is written as a recorded decision, the shape
 * `stepwise policy diff --events` reads.
 *
 * @param database - the open database
 * @param options - `--since`, `--until`, `--type`, `--format`
 * @param output - where to print
 * @param now - epoch milliseconds, for durations
 * @returns how many events were written
 * @example
 * ```ts
 * await auditExport(database, { since: '24h', type: 'decision' }, output);
 * ```
 */
export async function auditExport(database: Database, options: AuditExportOptions, output: Output, now = Date.now()): Promise<number> {
  if (options.format !== undefined && options.format !== 'ndjson') throw new UsageError(`--format must be ndjson, got "${options.format}"`);
  const since = options.since === undefined ? undefined : instantOf(options.since, '--since', now);
  const until = options.until === undefined ? undefined : instantOf(options.until, '--until', now);
  const types = typesOf(options.type);
  let written = 0;
  for await (const record of auditEvents.readAuditEvents(database.db, { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) })) {
    if (types && !types.includes(record.type)) continue;
    output.out(JSON.stringify(record.type === 'decision' ? recordedDecisionJson(record) : auditRecordJson(record)));
    written += 1;
  }
  return written;
}
