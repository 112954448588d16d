import { METHOD_IDS, type AuditRecord } from '@stepwise/core';
import { DECISION_OUTCOMES, type StepwiseMetrics } from './stepwise-metrics.js';

/** The label for a value outside a known set: labels stay bounded whatever an event holds. */
export const UNKNOWN_LABEL = 'unknown';

function known(value: unknown, values: readonly string[]): string | undefined {
  return typeof value === 'string' && values.includes(value) ? value : undefined;
}

/**
 * The method of a step-up event: `details.method` (what the audit events
 * write), else `outcome` when it names a method (`totp`), else `unknown`.
 *
 * @param record - a `step_up_satisfied` or `step_up_failed` record
 * @returns one of `METHOD_IDS`, or `unknown`
 * @example
 * ```ts
 * stepUpMethodOf(record); // 'totp'
 * ```
 */
export function stepUpMethodOf(record: Pick<AuditRecord, 'outcome' | 'details'>): string {
  return known(record.details?.method, METHOD_IDS) ?? known(record.outcome, METHOD_IDS) ?? UNKNOWN_LABEL;
}

/**
 * Counts committed audit records into the metrics: each `decision` by its
 * outcome, each `step_up_satisfied` and `step_up_failed` by method and
 * result. Other types are not counted here. Counting what the log
 * committed, rather than what a flow meant to do, keeps the metrics and
 * the audit log telling the same story.
 *
 * @param metrics - the server's metrics
 * @param records - one committed batch
 * @example
 * ```ts
 * services.audit.onCommitted((records) => countAuditRecords(metrics, records));
 * ```
 */
export function countAuditRecords(metrics: Pick<StepwiseMetrics, 'decisions' | 'stepUps'>, records: readonly AuditRecord[]): void {
  for (const record of records) {
    if (record.type === 'decision') {
      metrics.decisions.inc({ outcome: known(record.outcome, DECISION_OUTCOMES) ?? UNKNOWN_LABEL });
    } else if (record.type === 'step_up_satisfied' || record.type === 'step_up_failed') {
      metrics.stepUps.inc({ method: stepUpMethodOf(record), result: record.type === 'step_up_satisfied' ? 'satisfied' : 'failed' });
    }
  }
}
