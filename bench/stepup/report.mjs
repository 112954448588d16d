// The step-up benchmark's comparisons (Stepwise against each baseline,
// paired within each round) and the tables of them: the figures table is
// the standard one of lib/paired.mjs; the ratio and per-round tables are
// built here because one target meets two baselines.

import { formatMs, formatRatio, formatRps, formatSummary } from '../lib/report.mjs';
import { pairedTables } from '../lib/paired.mjs';
import { summarize } from '../lib/stats.mjs';

const formatCores = (value) => value.toFixed(2);

/**
 * Ratios of each comparison, added to every round's `ratios` under the comparison's id.
 *
 * @param {import('../lib/paired.mjs').RoundResult[]} results
 * @param {Array<{ id: string, target: string, baseline: string }>} comparisons
 */
export function addComparisons(results, comparisons) {
  for (const round of results) {
    for (const { id, target, baseline } of comparisons) {
      const own = round.figures[target];
      const base = round.figures[baseline];
      round.ratios[id] = { rps: own.rps / base.rps, p99: own.p99 / base.p99 };
      if (own.cpuUsPerRequest !== undefined && base.cpuUsPerRequest !== undefined) round.ratios[id].cpuRps = base.cpuUsPerRequest / own.cpuUsPerRequest;
    }
    console.log(`stepup: round ${round.round} ratios: ${comparisons.map(({ id }) => `${id} ${formatRatio(round.ratios[id].rps)} req/s`).join('; ')}`);
  }
}

/**
 * Figures per target, ratios per comparison, and every round.
 *
 * @param {{ targets: import('../lib/paired.mjs').PairedTarget[], comparisons: Array<{ id: string, label: string, target: string, baseline: string }>, results: import('../lib/paired.mjs').RoundResult[] }} spec
 * @returns {import('../lib/report.mjs').Table[]}
 */
export function stepUpTables({ targets, comparisons, results }) {
  const withCpu = results.every((round) => Object.values(round.figures).every((figures) => figures.cpuUsPerRequest !== undefined));
  const ratio = (id, key) => summarize(results.map((round) => round.ratios[id][key]));
  const label = (id) => targets.find((target) => target.id === id).label;
  const [figures] = pairedTables({ targets, results });
  const ratioRows = comparisons.map(({ id, target, baseline }) => [
    label(target),
    label(baseline),
    formatSummary(ratio(id, 'rps'), formatRatio),
    formatSummary(ratio(id, 'p99'), formatRatio),
    ...(withCpu ? [formatSummary(ratio(id, 'cpuRps'), formatRatio)] : []),
  ]);
  const roundRows = results.map(({ round, order, figures: measured, ratios, disturbed }) => [
    `${round}${disturbed ? ' (disturbed)' : ''}`,
    order.join(' → '),
    ...targets.map(({ id }) => {
      const { rps, p99, foreignCores } = measured[id];
      return `${formatRps(rps)} / ${formatMs(p99)}${withCpu ? ` / ${formatCores(foreignCores ?? 0)}` : ''}`;
    }),
    comparisons.map(({ id }) => `${formatRatio(ratios[id].rps)} / ${formatRatio(ratios[id].p99)}`).join(' · '),
  ]);
  return [
    figures,
    {
      heading: 'Ratios to the baselines, paired within each round',
      columns: ['Target', 'Baseline', 'req/s ÷ baseline', 'p99 ÷ baseline', ...(withCpu ? ['estimate from CPU time'] : [])],
      rows: ratioRows,
    },
    {
      heading: 'Per round',
      note: `Each cell: req/s / p99 ms${withCpu ? ' / cores other processes kept busy meanwhile' : ''}. Ratios: req/s ÷ baseline / p99 ÷ baseline, ${comparisons.map(({ id }) => id).join(' · ')}.`,
      columns: ['Round', 'Order', ...targets.map(({ id }) => id), 'Ratios'],
      rows: roundRows,
    },
  ];
}
