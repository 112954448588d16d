import { UsageError } from '../output.js';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * An instant given on the command line: an ISO 8601 date or date-time
 * (`2026-03-01`, `2026-03-01T09:00:00Z`), or a duration before `now`
 * (`90m`, `24h`, `7d`).
 *
 * @param value - as typed
 * @param flag - the option, for the error
 * @param now - epoch milliseconds
 * @returns epoch milliseconds
 * @throws {@link UsageError} for anything else
 * @example
 * ```ts
 * instantOf('24h', '--since', Date.parse('2026-03-02T00:00:00Z')); // Date.parse('2026-03-01T00:00:00Z')
 * ```
 */
export function instantOf(value: string, flag: string, now: number): number {
  const duration = /^(\d+)([smhd])$/.exec(value.trim());
  if (duration) return now - Number(duration[1]) * UNITS[duration[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`${flag} must be an ISO 8601 date or date-time ("2026-03-01T09:00:00Z") or a duration such as "24h", "7d", "90m", got "${value}"`);
}
