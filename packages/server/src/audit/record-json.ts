import { auditRecordFields, type AuditRecord, type AuditRecordFields } from '@stepwise/core';

/** An audit record as exported and streamed: the stored (snake_case) field names, `at` in epoch milliseconds. */
export interface AuditRecordJson extends AuditRecordFields {
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
  return { ...auditRecordFields(record), hash: record.hash };
}
