import { createHash } from 'node:crypto';
import { canonicalJson } from '../transaction/canonical-json.js';
import type { AuditEventInput, AuditRecord } from './audit-event.js';

/** The `prev_hash` of the first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** A record's fields by their stored (snake_case) names, its `hash` aside. */
export interface AuditRecordFields {
  readonly seq: number;
  readonly type: AuditRecord['type'];
  readonly at: number;
  readonly actor: string | null;
  readonly subject: string | null;
  readonly client: string | null;
  readonly ip: string | null;
  readonly device: string | null;
  readonly requirement: AuditRecord['requirement'];
  readonly rules: AuditRecord['rules'];
  readonly signals: AuditRecord['signals'];
  readonly outcome: string | null;
  readonly details: AuditRecord['details'];
  readonly prev_hash: string;
}

/**
 * The fields {@link auditHash} covers, by their stored names: the shape of
 * a stored row, an export line and a webhook record (each adds `hash`).
 *
 * @param record - a record, with or without its hash
 * @example
 * ```ts
 * JSON.stringify({ ...auditRecordFields(record), hash: record.hash });
 * ```
 */
export function auditRecordFields(record: Omit<AuditRecord, 'hash'>): AuditRecordFields {
  return {
    seq: record.seq,
    type: record.type,
    at: record.at,
    actor: record.actor,
    subject: record.subject,
    client: record.client,
    ip: record.ip,
    device: record.device,
    requirement: record.requirement,
    rules: record.rules,
    signals: record.signals,
    outcome: record.outcome,
    details: record.details,
    prev_hash: record.prevHash,
  };
}

/**
 * The hash of a record: SHA-256 (hex) of the RFC 8785 canonical JSON of all
 * its fields and the previous record's hash, so changing any field, or
 * removing or moving a record, breaks the chain from there on.
 *
 * @param record - the record without its hash
 * @example
 * ```ts
 * auditHash({ seq: 1, type: 'sign_in', at: 1764597720000, actor: 'user:u1', subject: 'u1', client: null, ip: null,
 *   device: null, requirement: null, rules: null, signals: null, outcome: 'pwd', details: null, prevHash: GENESIS_HASH });
 * ```
 */
export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(auditRecordFields(record)), 'utf8').digest('hex');
}

/**
 * Links events after a chain's head: numbers them and hashes each with
 * the one before.
 *
 * @param head - the last stored record's `seq` and `hash` (`{ seq: 0, hash: GENESIS_HASH }` for an empty log)
 * @param events - what to append, in order
 * @returns the records to store, and the new head
 * @example
 * ```ts
 * const { records, head } = chainEvents({ seq: 0, hash: GENESIS_HASH }, [{ type: 'sign_in', at: Date.now(), subject: 'u1' }]);
 * ```
 */
export function chainEvents(
  head: { readonly seq: number; readonly hash: string },
  events: readonly AuditEventInput[],
): { records: AuditRecord[]; head: { seq: number; hash: string } } {
  const records: AuditRecord[] = [];
  let { seq, hash } = head;
  for (const event of events) {
    seq += 1;
    const unhashed = {
      seq,
      type: event.type,
      at: event.at,
      actor: event.actor ?? null,
      subject: event.subject ?? null,
      client: event.client ?? null,
      ip: event.ip ?? null,
      device: event.device ?? null,
      requirement: event.requirement ?? null,
      rules: event.rules ?? null,
      signals: event.signals ?? null,
      outcome: event.outcome ?? null,
      details: event.details ?? null,
      prevHash: hash,
    };
    hash = auditHash(unhashed);
    records.push({ ...unhashed, hash });
  }
  return { records, head: { seq, hash } };
}

/** Why a chain check stopped. */
export type ChainBreak =
  /** A record's fields do not give its hash: it was edited. */
  | 'hash_mismatch'
  /** A record does not point at the one before: one was removed, inserted or moved. */
  | 'prev_hash_mismatch'
  /** Sequence numbers skip or go back: a record was removed or moved. */
  | 'seq_gap'
  /** The chain ends before the head the store recorded: its last records were removed. */
  | 'truncated';

/** The verdict of {@link verifyAuditChain}. */
export type ChainVerdict =
  | { readonly ok: true; readonly checked: number; readonly head: { readonly seq: number; readonly hash: string } }
  | { readonly ok: false; readonly checked: number; readonly seq: number; readonly reason: ChainBreak; readonly message: string };

/**
 * Walks the records in `seq` order and names the first one that breaks
 * the chain: edited (its hash), removed, inserted or reordered (its link
 * or its number).
 *
 * @param records - every record from the first, in the order the store returns them by `seq`
 * @param head - the head the store recorded when it last appended, if it keeps one: a chain that
 *   ends earlier lost its last records, which no link can show
 * @example
 * ```ts
 * const verdict = await verifyAuditChain(listAllRecords(db));
 * if (!verdict.ok) console.error(`event ${verdict.seq}: ${verdict.message}`);
 * ```
 */
export async function verifyAuditChain(
  records: Iterable<AuditRecord> | AsyncIterable<AuditRecord>,
  head?: { readonly seq: number; readonly hash: string },
): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for await (const record of records) {
    if (record.seq !== expectedSeq) {
      return { ok: false, checked, seq: record.seq, reason: 'seq_gap', message: `event ${record.seq} follows event ${expectedSeq - 1}: event ${expectedSeq} is missing or moved` };
    }
    if (record.prevHash !== prevHash) {
      return { ok: false, checked, seq: record.seq, reason: 'prev_hash_mismatch', message: `event ${record.seq} does not link to event ${record.seq - 1}: an event before it was removed, changed or moved` };
    }
    if (auditHash(record) !== record.hash) {
      return { ok: false, checked, seq: record.seq, reason: 'hash_mismatch', message: `event ${record.seq} was changed after it was written (its hash does not match its fields)` };
    }
    prevHash = record.hash;
    expectedSeq += 1;
    checked += 1;
  }
  const last = expectedSeq - 1;
  if (head && (head.seq !== last || head.hash !== prevHash)) {
    return { ok: false, checked, seq: head.seq, reason: 'truncated', message: `the log ends at event ${last} but event ${head.seq} was written: events after ${last} were removed` };
  }
  return { ok: true, checked, head: { seq: last, hash: prevHash } };
}
