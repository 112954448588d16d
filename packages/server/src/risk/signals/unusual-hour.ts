import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { listSignIns } from '../../storage/sign-in-history.js';
import type { RiskContext } from '../risk-engine.js';

const utcHour = (seconds: number) => new Date(seconds * 1000).getUTCHours();

/**
 * The hours (UTC) a user usually signs in at, from their sign-in times: an
 * hour seen at least twice, and the hour either side of it (so 23:00 makes
 * 22, 23 and 0 usual).
 *
 * @param times - sign-in times, seconds
 * @returns the usual hours, sorted; empty when no hour repeats
 * @example
 * ```ts
 * usualHours([h(9), h(9), h(14)]) // [8, 9, 10]
 * ```
 */
export function usualHours(times: readonly number[]): number[] {
  const counts = new Array<number>(24).fill(0);
  for (const time of times) counts[utcHour(time)]!++;
  const usual = new Set<number>();
  counts.forEach((count, hour) => {
    if (count >= 2) for (const near of [hour - 1, hour, hour + 1]) usual.add((near + 24) % 24);
  });
  return [...usual].sort((a, b) => a - b);
}

/**
 * `unusual_hour`: the request comes at a UTC hour outside the user's
 * {@link usualHours}, learned from their last 200 sign-ins. Only once they
 * have at least `minHistory` sign-ins, and only when some hour repeats (a
 * history with no pattern says nothing).
 *
 * @param db - the sign-in history
 * @param minHistory - sign-ins needed before hours are judged
 * @example
 * ```ts
 * const finding = await unusualHourSignal(db, 10).evaluate({ userId, time: now });
 * // { code: 'unusual_hour', evidence: { hour: 3, usual_hours: [8, 9, 10, 16, 17, 18] } }
 * ```
 */
export function unusualHourSignal(db: Db, minHistory: number): RiskSignal<RiskContext> {
  return {
    code: 'unusual_hour',
    description: 'an hour at which this user does not usually sign in (UTC)',
    async evaluate(context) {
      const history = await listSignIns(db, context.userId);
      if (history.length < minHistory) return undefined;
      const usual = usualHours(history.map((entry) => entry.at));
      const hour = utcHour(context.time);
      if (usual.length === 0 || usual.includes(hour)) return undefined;
      return { code: 'unusual_hour', evidence: { hour, usual_hours: usual } };
    },
  };
}
