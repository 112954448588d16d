import { sql } from 'kysely';
import { listAuditEvents } from '../../storage/audit-events.js';
import type { Db } from '../../storage/database.js';
import type { AnswerFact, DecisionFact } from './insight-chart-data.js';

/*
 * The charts' reads, each bounded: a console page must answer in the same
 * time on a busy server as on an idle one. Counts per day and outcome are
 * grouped in SQL; what lives in JSON columns (rules, signals, the method)
 * is read newest first in pages up to a cap, and the chart says when the
 * cap was hit.
 */

/** Rows a chart read looks at, at most. */
export const CHART_ROW_CAP = 20_000;

const PAGE = 1_000;

/**
 * Decisions since an instant, newest first, at most `cap`: only the
 * columns the charts read.
 *
 * @param db - database
 * @param since - epoch seconds
 * @param cap - at most this many rows
 * @returns the rows, and whether more were left unread
 * @example
 * ```ts
 * const { rows, truncated } = await readDecisionFacts(db, dayWindow(now).since);
 * ```
 */
export async function readDecisionFacts(db: Db, since: number, cap = CHART_ROW_CAP): Promise<{ rows: DecisionFact[]; truncated: boolean }> {
  const rows: DecisionFact[] = [];
  let after: { createdAt: number; id: string } | undefined;
  while (rows.length < cap) {
    let query = db.selectFrom('decisions').select(['id', 'created_at', 'outcome', 'reasons', 'risk']).where('created_at', '>=', since);
    if (after) {
      const { createdAt, id } = after;
      query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
    const limit = Math.min(PAGE, cap - rows.length);
    const page = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    for (const row of page) rows.push({ createdAt: row.created_at, outcome: row.outcome, reasons: parseJson(row.reasons), risk: parseJson(row.risk) });
    if (page.length < limit) return { rows, truncated: false };
    const last = page[page.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
  }
  const more = await db.selectFrom('decisions').select('id').where('created_at', '>=', since)
    .where((eb) => eb.or([eb('created_at', '<', after!.createdAt), eb.and([eb('created_at', '=', after!.createdAt), eb('id', '<', after!.id)])]))
    .limit(1).executeTakeFirst();
  return { rows, truncated: more !== undefined };
}

/**
 * Decisions per UTC day and outcome since an instant, counted in SQL
 * (integer division gives the day on SQLite and PostgreSQL alike).
 *
 * @param db - database
 * @param since - epoch seconds
 * @example
 * ```ts
 * await countDecisionsPerDay(db, since); // [{ day: 20526, outcome: 'allow', count: 3 }, …]
 * ```
 */
export async function countDecisionsPerDay(db: Db, since: number): Promise<{ day: number; outcome: string; count: number }[]> {
  const day = sql<number>`${sql.ref('created_at')} / 86400`;
  const rows = await db.selectFrom('decisions')
    .select([day.as('day'), 'outcome', (eb) => eb.fn.countAll<number>().as('count')])
    .where('created_at', '>=', since)
    .groupBy([day, 'outcome'])
    .execute();
  return rows.map((row) => ({ day: Number(row.day), outcome: row.outcome, count: Number(row.count) }));
}

/**
 * Step-up answers (`step_up_satisfied`, `step_up_failed`) since an
 * instant, newest first, at most `cap`.
 *
 * @param db - database
 * @param sinceMs - epoch milliseconds
 * @param cap - at most this many events
 * @returns the events, and whether more were left unread
 * @example
 * ```ts
 * const { rows } = await readAnswerFacts(db, since * 1000);
 * ```
 */
export async function readAnswerFacts(db: Db, sinceMs: number, cap = CHART_ROW_CAP): Promise<{ rows: AnswerFact[]; truncated: boolean }> {
  const rows: AnswerFact[] = [];
  let beforeSeq: number | undefined;
  while (rows.length < cap) {
    const limit = Math.min(PAGE, cap - rows.length);
    const page = await listAuditEvents(db, {
      since: sinceMs,
      types: ['step_up_satisfied', 'step_up_failed'],
      limit,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
    });
    for (const record of page) rows.push({ type: record.type, outcome: record.outcome, details: record.details });
    if (page.length < limit) return { rows, truncated: false };
    beforeSeq = page[page.length - 1]!.seq;
  }
  const more = await listAuditEvents(db, { since: sinceMs, types: ['step_up_satisfied', 'step_up_failed'], limit: 1, beforeSeq: beforeSeq! });
  return { rows, truncated: more.length > 0 };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
