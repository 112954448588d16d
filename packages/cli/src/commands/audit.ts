import { verifyAuditChain } from '@stepwise/core';
import { auditEvents, type Database } from '@stepwise/server';
import { UsageError, type Output } from '../output.js';
import { auditExport, type AuditExportOptions } from './audit-export.js';

/**
 * `stepwise audit verify`: walks the whole chain from the first event and
 * compares its end with the head the database recorded.
 *
 * @param database - the open database
 * @param output - where to print: `ok: N events, head <hash>`, or the first broken event
 * @returns 0 when the chain holds, 1 when it is broken
 * @example
 * ```ts
 * process.exitCode = await auditVerify(database, output);
 * ```
 */
export async function auditVerify(database: Database, output: Output): Promise<number> {
  // The head first: events appended while the walk runs lie past it and are not judged.
  const head = await auditEvents.auditHead(database.db);
  const records = (async function* () {
    for await (const record of auditEvents.readAuditEvents(database.db)) {
      if (record.seq > head.seq) return;
      yield record;
    }
  })();
  const verdict = await verifyAuditChain(records, head);
  if (verdict.ok) {
    output.out(`ok: ${verdict.checked} events, head ${verdict.head.hash}`);
    return 0;
  }
  output.out(`broken at event ${verdict.seq} (${verdict.reason}): ${verdict.message}`);
  output.out(`${verdict.checked} events before it verified`);
  return 1;
}

/**
 * `stepwise audit verify|export`.
 *
 * @param database - the open database
 * @param args - the sub-command
 * @param options - the export's flags
 * @param output - where to print
 * @returns the exit code
 * @example
 * ```ts
 * await auditCommand(database, ['export'], { type: 'decision', since: '7d' }, output);
 * ```
 */
export async function auditCommand(database: Database, args: string[], options: AuditExportOptions, output: Output): Promise<number> {
  const [action, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`audit ${action ?? ''} takes no arguments, got "${rest.join(' ')}"`);
  switch (action) {
    case 'verify':
      return auditVerify(database, output);
    case 'export':
      await auditExport(database, options, output);
      return 0;
    default:
      throw new UsageError(`unknown audit action "${action ?? ''}" (verify, export)`);
  }
}
