import type { AuditRecord } from '@stepwise/core';

/** An audit record as exported and streamed: the stored (snake_case) field names, `at` in epoch milliseconds. */
export interface AuditRecordJson {
  readonly seq: number;
  readonly type: string;
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
  readonly hash: string;
}

/**
 * A record in its JSON shape: the fields `auditHash` covers, by their
 * stored names, so a receiver can check the chain itself.
 *
 * @param record - a stored record
 * @example
 * ```ts
 * JSON.stringify(auditRecordJson(record)); // {"seq":1,"type":"sign_in",…,"prev_hash":"000…","hash":"5e1…"}
 * ```
 */
export function auditRecordJson(record: AuditRecord): AuditRecordJson {
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
    hash: record.hash,
  };
}
