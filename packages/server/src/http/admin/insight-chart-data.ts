import type { ChartData, ChartSeries } from './chart-data.js';

/*
 * Turns stored decisions and audit events into chart numbers. Pure: the
 * rows come from the bounded reads in insight-chart-queries.ts, so tests
 * can seed rows and check every number.
 */

/** Charts cover this many days, today (UTC) included. */
export const CHART_DAYS = 14;

/** At most this many series in one chart; the rest are summed into one. */
const MAX_SERIES = 7;

const SECONDS_PER_DAY = 86_400;

/** The days a chart covers: epoch day numbers (UTC) oldest first, their labels, and the first second. */
export interface DayWindow {
  readonly days: readonly number[];
  readonly labels: readonly string[];
  /** Epoch seconds of the first day's midnight (UTC). */
  readonly since: number;
}

/**
 * The last `count` UTC days up to and including the one holding `now`.
 *
 * @param now - epoch seconds
 * @param count - how many days
 * @example
 * ```ts
 * dayWindow(Date.UTC(2026, 2, 14, 15) / 1000, 2).labels; // ['03-13', '03-14']
 * ```
 */
export function dayWindow(now: number, count = CHART_DAYS): DayWindow {
  const today = Math.floor(now / SECONDS_PER_DAY);
  const days = Array.from({ length: count }, (_unused, index) => today - count + 1 + index);
  return {
    days,
    labels: days.map((day) => new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(5, 10)),
    since: days[0]! * SECONDS_PER_DAY,
  };
}

/** A decision as the charts read it. */
export interface DecisionFact {
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly outcome: string;
  /** The stored `reasons` (JSON), read defensively: rows written by older versions may differ. */
  readonly reasons: unknown;
  /** The stored `risk` (JSON). */
  readonly risk: unknown;
}

/** An audit event as the method chart reads it. */
export interface AnswerFact {
  readonly type: string;
  readonly outcome: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The rules that asked for the requirement (`kind: rule`, `effect: require`); `(default)` when none did.
 *
 * @param reasons - a decision's stored reasons
 * @example
 * ```ts
 * requiringRules([{ kind: 'rule', rule: 'large-transfer', effect: 'require', requirement }]); // ['large-transfer']
 * ```
 */
export function requiringRules(reasons: unknown): string[] {
  const rules = Array.isArray(reasons)
    ? reasons.flatMap((reason) => (isRecord(reason) && reason.kind === 'rule' && reason.effect === 'require' && typeof reason.rule === 'string' ? [reason.rule] : []))
    : [];
  return rules.length === 0 ? ['(default)'] : [...new Set(rules)];
}

/**
 * The signal codes of a stored risk assessment, each once.
 *
 * @param risk - a decision's stored risk
 * @example
 * ```ts
 * signalCodes({ score: 20, level: 'low', signals: [{ code: 'new_device', weight: 20, evidence: {} }] }); // ['new_device']
 * ```
 */
export function signalCodes(risk: unknown): string[] {
  const signals = isRecord(risk) && Array.isArray(risk.signals) ? risk.signals : [];
  return [...new Set(signals.flatMap((signal) => (isRecord(signal) && typeof signal.code === 'string' ? [signal.code] : [])))];
}

/** Series sorted by total, largest first, the tail beyond {@link MAX_SERIES} summed into `other`. */
function rankedSeries(counts: ReadonlyMap<string, number[]>, width: number, other: string): ChartSeries[] {
  const total = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0);
  const ranked = [...counts].sort(([nameA, a], [nameB, b]) => total(b) - total(a) || nameA.localeCompare(nameB));
  if (ranked.length <= MAX_SERIES) return ranked.map(([name, values]) => ({ name, values }));
  const kept = ranked.slice(0, MAX_SERIES - 1);
  const rest = Array.from({ length: width }, (_unused, index) => ranked.slice(MAX_SERIES - 1).reduce((sum, [, values]) => sum + (values[index] ?? 0), 0));
  return [...kept.map(([name, values]) => ({ name, values })), { name: other, values: rest }];
}

/**
 * Step-ups per day, split by the rule that asked for them. A step-up that
 * two rules asked for counts once for each; one that no rule asked for
 * (the default requirement was not met) counts as `(default)`.
 *
 * @param decisions - decisions of the window (any outcome; only `step_up` counts)
 * @param window - from {@link dayWindow}
 * @param truncated - whether the read stopped at its bound
 * @example
 * ```ts
 * stepUpsByRule(rows, dayWindow(now), false).series[0]; // { name: 'large-transfer', values: [0, 2, …] }
 * ```
 */
export function stepUpsByRule(decisions: readonly DecisionFact[], window: DayWindow, truncated: boolean): ChartData {
  const counts = new Map<string, number[]>();
  for (const decision of decisions) {
    if (decision.outcome !== 'step_up') continue;
    const index = window.days.indexOf(Math.floor(decision.createdAt / SECONDS_PER_DAY));
    if (index < 0) continue;
    for (const rule of requiringRules(decision.reasons)) {
      const values = counts.get(rule) ?? new Array<number>(window.days.length).fill(0);
      values[index]! += 1;
      counts.set(rule, values);
    }
  }
  return {
    id: 'chart-step-ups-by-rule',
    title: 'Step-ups per day by rule',
    caption: `Decision API answers of step_up in the last ${window.days.length} days (UTC), by the policy rule that asked for the step-up; one asked for by two rules counts for both, (default) means no rule matched and the default requirement was not met.`,
    categoryLabel: 'Day',
    categories: window.labels,
    series: rankedSeries(counts, window.days.length, 'other rules'),
    truncated,
  };
}

/**
 * Decisions per day by outcome (allow, step_up, deny), from per-day counts.
 *
 * @param counts - `{ day, outcome, count }` rows, `day` an epoch day number
 * @param window - from {@link dayWindow}
 * @example
 * ```ts
 * decisionsPerDay([{ day: 20526, outcome: 'allow', count: 3 }], window);
 * ```
 */
export function decisionsPerDay(counts: readonly { day: number; outcome: string; count: number }[], window: DayWindow): ChartData {
  const series = ['allow', 'step_up', 'deny'].map((outcome) => ({
    name: outcome,
    values: window.days.map((day) => counts.filter((row) => row.day === day && row.outcome === outcome).reduce((sum, row) => sum + row.count, 0)),
  }));
  return {
    id: 'chart-decisions-per-day',
    title: 'Decisions per day by outcome',
    caption: `Every decision API answer in the last ${window.days.length} days (UTC), by outcome.`,
    categoryLabel: 'Day',
    categories: window.labels,
    series,
  };
}

/**
 * The method an answer event names: `details.method`, else its `outcome`.
 *
 * @param event - a `step_up_satisfied` or `step_up_failed` event
 * @example
 * ```ts
 * methodOf({ type: 'step_up_failed', outcome: 'ERR_CODE_INVALID', details: { method: 'totp' } }); // 'totp'
 * ```
 */
export function methodOf(event: AnswerFact): string {
  const method = event.details?.method;
  if (typeof method === 'string' && method !== '') return method;
  return event.outcome ?? 'unknown';
}

/**
 * Step-up answers by method: how many satisfied a step-up and how many
 * failed, from the audit log's `step_up_satisfied` and `step_up_failed`.
 *
 * @param events - the window's answer events
 * @param days - how many days they cover, for the caption
 * @param truncated - whether the read stopped at its bound
 * @example
 * ```ts
 * answersByMethod(events, 14, false).categories; // ['totp', 'webauthn']
 * ```
 */
export function answersByMethod(events: readonly AnswerFact[], days: number, truncated: boolean): ChartData {
  const counts = new Map<string, [number, number]>();
  for (const event of events) {
    if (event.type !== 'step_up_satisfied' && event.type !== 'step_up_failed') continue;
    const method = methodOf(event);
    const pair = counts.get(method) ?? [0, 0];
    pair[event.type === 'step_up_satisfied' ? 0 : 1] += 1;
    counts.set(method, pair);
  }
  const methods = [...counts].sort(([nameA, a], [nameB, b]) => b[0] + b[1] - (a[0] + a[1]) || nameA.localeCompare(nameB));
  return {
    id: 'chart-answers-by-method',
    title: 'Step-up success and failure by method',
    caption: `Step-up answers in the last ${days} days, from the audit log: satisfied (step_up_satisfied) and failed (step_up_failed), by the method used.`,
    categoryLabel: 'Method',
    categories: methods.map(([method]) => method),
    series: [
      { name: 'satisfied', values: methods.map(([, pair]) => pair[0]) },
      { name: 'failed', values: methods.map(([, pair]) => pair[1]) },
    ],
    truncated,
  };
}

/**
 * The risk signals found most often, in how many decisions each was found.
 *
 * @param decisions - decisions of the window
 * @param days - how many days they cover, for the caption
 * @param truncated - whether the read stopped at its bound
 * @param limit - how many signals to show
 * @example
 * ```ts
 * topRiskSignals(rows, 14, false).categories; // ['new_device', 'new_country']
 * ```
 */
export function topRiskSignals(decisions: readonly DecisionFact[], days: number, truncated: boolean, limit = 10): ChartData {
  const counts = new Map<string, number>();
  for (const decision of decisions) {
    for (const code of signalCodes(decision.risk)) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const top = [...counts].sort(([codeA, a], [codeB, b]) => b - a || codeA.localeCompare(codeB)).slice(0, limit);
  return {
    id: 'chart-top-risk-signals',
    title: 'Top risk signals',
    caption: `The risk signals found most often in decision API answers of the last ${days} days, counted once per decision.`,
    categoryLabel: 'Signal',
    categories: top.map(([code]) => code),
    series: [{ name: 'decisions', values: top.map(([, count]) => count) }],
    truncated,
  };
}
