// Rounds of paired measurements and their standard report tables, shared by
// the benchmarks that pit a Stepwise path against baseline servers: each
// round measures every target once (order rotated each round), each
// comparison (a target with a `baseline`, or a target against several
// baselines given as `comparisons`) gets its ratios from the same round, and
// a goal is judged on the median of those paired ratios.

import { formatMs, formatRatio, formatRps, formatSummary } from './report.mjs';
import { summarize } from './stats.mjs';

/**
 * A measurement during which other processes kept this much of a core busy
 * says more about the neighbours than about the servers.
 */
export const DISTURBED_CORES = 0.25;

/**
 * One target of a paired benchmark.
 * @typedef {{ id: string, label: string, baseline?: string }} PairedTarget
 *   baseline: the id of the target this one's ratios are taken against
 */
/**
 * One target against one baseline, when a target has several: ratios are
 * kept under `id`, and `label` names the comparison in goals.
 * @typedef {{ id: string, target: string, baseline: string, label?: string }} PairedComparison
 */
/**
 * What one measurement of one target found (see measure() in measure.mjs).
 * @typedef {{ rps: number, p50: number, p99: number, cpuUsPerRequest?: number, foreignCores?: number }} Figures
 */
/**
 * Ratios of a target to its baseline within one round. rps: req/s ÷ the
 * baseline's; p99: p99 ÷ the baseline's; cpuRps: the req/s ratio two servers
 * bound by one core each would reach (baseline CPU/req ÷ this one's).
 * @typedef {{ rps: number, p99: number, cpuRps?: number }} Ratios
 */
/** @typedef {{ round: number, order: string[], figures: Record<string, Figures>, ratios: Record<string, Ratios>, disturbed: boolean }} RoundResult */
/**
 * A goal on a ratio: `met` says whether one value meets it.
 * @typedef {{ goal: string, target: string, ratio: 'rps' | 'p99' | 'cpuRps', met: (value: number) => boolean }} PairedGoal
 */

const formatUs = (value) => value.toFixed(0);
const formatCores = (value) => value.toFixed(2);

/** The list rotated left by `by`: round n starts with the n-th target. */
export function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length]);
}

/** The comparisons given, or else one per target with a `baseline`, under the target's id. */
function comparisonsOf(targets, comparisons) {
  return comparisons ?? targets.filter((target) => target.baseline).map((target) => ({ id: target.id, target: target.id, baseline: target.baseline }));
}

function ratiosOf(figures, comparison) {
  const own = figures[comparison.target];
  const base = figures[comparison.baseline];
  const ratios = { rps: own.rps / base.rps, p99: own.p99 / base.p99 };
  if (own.cpuUsPerRequest !== undefined && base.cpuUsPerRequest !== undefined) ratios.cpuRps = base.cpuUsPerRequest / own.cpuUsPerRequest;
  return ratios;
}

/**
 * Runs `rounds` rounds, printing progress as each measurement ends.
 *
 * @param {{ name: string, targets: PairedTarget[], comparisons?: PairedComparison[], rounds: number, measureTarget: (target: PairedTarget, label: string) => Promise<Figures> }} spec
 *   comparisons: when a target meets several baselines (default: each target's `baseline`);
 *   measureTarget: measures one target once; label names it in errors and progress
 * @returns {Promise<RoundResult[]>}
 * @example
 * const results = await runRounds({ name: 'oidc', targets, rounds: 3, measureTarget: (target, label) => measure({ label, … }) });
 */
export async function runRounds({ name, targets, comparisons, rounds, measureTarget }) {
  const compared = comparisonsOf(targets, comparisons);
  const results = [];
  for (let round = 1; round <= rounds; round += 1) {
    const order = rotate(targets, round - 1);
    const figures = {};
    for (const target of order) {
      const label = `${name} ${target.id}: round ${round}/${rounds}`;
      process.stdout.write(`${label} …`);
      figures[target.id] = await measureTarget(target, label);
      const { rps, p50, p99, cpuUsPerRequest, foreignCores } = figures[target.id];
      const cpu = cpuUsPerRequest === undefined ? '' : `, server CPU ${formatUs(cpuUsPerRequest)} µs/req, others busy ${formatCores(foreignCores ?? 0)} cores`;
      console.log(` ${formatRps(rps)} req/s, p50 ${formatMs(p50)} ms, p99 ${formatMs(p99)} ms${cpu}`);
    }
    const ratios = Object.fromEntries(compared.map((comparison) => [comparison.id, ratiosOf(figures, comparison)]));
    const described = compared.map(({ id, baseline }) => `${id} ${formatRatio(ratios[id].rps)} req/s, ${formatRatio(ratios[id].p99)} p99 of ${baseline}`);
    if (described.length > 0) console.log(`${name}: round ${round}/${rounds} ratios: ${described.join('; ')}`);
    const disturbed = Object.values(figures).some((measured) => (measured.foreignCores ?? 0) >= DISTURBED_CORES);
    results.push({ round, order: order.map((target) => target.id), figures, ratios, disturbed });
  }
  return results;
}

const withCpuOf = (results) => results.every((round) => Object.values(round.figures).every((figures) => figures.cpuUsPerRequest !== undefined));

/**
 * The verdicts of `goals` over the rounds, for Report.goals. A goal's
 * `target` names a comparison: the target's id, or a given comparison's.
 *
 * @param {{ goals: PairedGoal[], targets: PairedTarget[], comparisons?: PairedComparison[], results: RoundResult[] }} spec
 * @returns {import('./report.mjs').Goal[]}
 */
export function pairedGoals({ goals, targets, comparisons, results }) {
  const compared = comparisonsOf(targets, comparisons);
  const scopeOf = (id) => compared.find((comparison) => comparison.id === id)?.label ?? targets.find((candidate) => candidate.id === id).label;
  const disturbed = results.filter((round) => round.disturbed).length;
  const withCpu = withCpuOf(results);
  return goals.map(({ goal, target, ratio, met }) => {
    const summary = summarize(results.map((round) => round.ratios[target][ratio]));
    const meeting = results.filter((round) => met(round.ratios[target][ratio])).length;
    const verdict = { goal, scope: scopeOf(target), value: formatRatio(summary.median), rounds: `${meeting}/${results.length}`, met: met(summary.median) };
    if (withCpu && ratio === 'rps') {
      const estimated = summarize(results.map((round) => round.ratios[target].cpuRps)).median;
      verdict.estimate = `${formatRatio(estimated)} (${met(estimated) ? 'met' : 'missed'})`;
    }
    if (disturbed * 2 >= results.length) verdict.caveat = `other processes kept ≥ ${DISTURBED_CORES} of a core busy in ${disturbed} of ${results.length} rounds`;
    return verdict;
  });
}

/**
 * The three standard tables: figures per target (median and range over the
 * rounds), ratios to the baselines paired within each round, and every round.
 *
 * @param {{ targets: PairedTarget[], comparisons?: PairedComparison[], results: RoundResult[] }} spec
 * @returns {import('./report.mjs').Table[]}
 */
export function pairedTables({ targets, comparisons, results }) {
  const withCpu = withCpuOf(results);
  const of = (id, key) => summarize(results.map((round) => round.figures[id][key]));
  const ratio = (id, key) => summarize(results.map((round) => round.ratios[id][key]));
  const label = (id) => targets.find((target) => target.id === id).label;
  const compared = comparisonsOf(targets, comparisons);
  const severalBaselines = compared.some((comparison) => compared.filter((other) => other.target === comparison.target).length > 1);

  const figureRows = targets.map(({ id }) => [
    label(id),
    formatSummary(of(id, 'rps'), formatRps),
    formatSummary(of(id, 'p50'), formatMs),
    formatSummary(of(id, 'p99'), formatMs),
    ...(withCpu ? [formatSummary(of(id, 'cpuUsPerRequest'), formatUs)] : []),
  ]);
  const ratioRows = compared.map(({ id, target, baseline }) => [
    label(target),
    label(baseline),
    formatSummary(ratio(id, 'rps'), formatRatio),
    formatSummary(ratio(id, 'p99'), formatRatio),
    ...(withCpu ? [formatSummary(ratio(id, 'cpuRps'), formatRatio)] : []),
  ]);
  const roundRows = results.map(({ round, order, figures, ratios, disturbed }) => [
    `${round}${disturbed ? ' (disturbed)' : ''}`,
    order.join(' → '),
    ...targets.map(({ id }) => {
      const { rps, p99, foreignCores } = figures[id];
      return `${formatRps(rps)} / ${formatMs(p99)}${withCpu ? ` / ${formatCores(foreignCores ?? 0)}` : ''}`;
    }),
    compared.map(({ id }) => `${formatRatio(ratios[id].rps)} / ${formatRatio(ratios[id].p99)}`).join(' · '),
  ]);
  return [
    { heading: 'Figures', columns: ['Target', 'req/s', 'p50 ms', 'p99 ms', ...(withCpu ? ['server CPU µs/req'] : [])], rows: figureRows },
    {
      heading: `Ratios to the baseline${severalBaselines ? 's' : ''}, paired within each round`,
      columns: ['Target', 'Baseline', 'req/s ÷ baseline', 'p99 ÷ baseline', ...(withCpu ? ['estimate from CPU time'] : [])],
      rows: ratioRows,
    },
    {
      heading: 'Per round',
      note: `Each cell: req/s / p99 ms${withCpu ? ' / cores other processes kept busy meanwhile' : ''}. Ratios: req/s ÷ baseline / p99 ÷ baseline, ${compared.map(({ id }) => id).join(' · ')}.`,
      columns: ['Round', 'Order', ...targets.map(({ id }) => id), 'Ratios'],
      rows: roundRows,
    },
  ];
}

/**
 * The paragraph that says how the rounds were run and how disturbed they were.
 *
 * @param {{ results: RoundResult[], options: { rounds: number, durationSeconds: number, warmupSeconds: number, connections: number }, layout: { cores: number } }} spec
 * @returns {string}
 */
export function pairedMethodNote({ results, options, layout }) {
  const lines = [
    `Each round measures every target once, back to back (order rotated each round), for ${options.durationSeconds} s after a ${options.warmupSeconds} s warm-up with ${options.connections} autocannon connections. ` +
      `Ratios pair each target with its baseline **within a round**; a goal is judged on the median of its paired ratios. Figures are the median and (range) over ${options.rounds} round${options.rounds === 1 ? '' : 's'}; p50/p99 in ms from autocannon's per-response timings.`,
  ];
  if (withCpuOf(results)) {
    const foreign = summarize(results.flatMap((round) => Object.values(round.figures).map((figures) => figures.foreignCores ?? 0)));
    lines.push(
      'Server CPU µs/req is the server process\'s user + system time (all threads, from /proc) over the requests it answered; the estimate from CPU time is the req/s ratio two servers bound by one core each would reach. ' +
        `Other processes kept a median ${formatCores(foreign.median)} cores (max ${formatCores(foreign.max)}) of ${layout.cores} busy during the measurements` +
        (foreign.max >= DISTURBED_CORES ? ': **the machine was shared, so req/s and p99 are noisy; read the CPU µs/req column alongside.**' : '.'),
    );
  }
  return lines.join(' ');
}
