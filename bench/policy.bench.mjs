// The policy benchmark: core's evaluatePolicy on a policy of 20 realistic
// rules (bench/policy/rules.mjs), compiled once with compilePolicy, for a mix
// of inputs; against the floor, the same evaluatePolicy with each condition
// hand-coded in JavaScript. Goal: a median of ≤ 20 µs per evaluation. Each
// variant runs in its own child process pinned like the servers; ratios pair
// the two within each round.

import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compilePolicy, evaluatePolicy, LevelSet } from '../packages/core/dist/src/index.js';
import { runPinned } from './lib/measure.mjs';
import { formatRatio, formatSummary } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { INPUTS, policyDefinition, RULES } from './policy/rules.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const WORKER_ENTRY = path.join(BENCH_DIR, 'policy', 'evaluate.mjs');

export const title = 'Policy: evaluatePolicy with 20 CEL rules vs the same rules hand-coded in JavaScript';

const GOAL_US = 20;
// Enough for a stable p99; the floor reaches it in about 2 s.
const MAX_SAMPLES = 4_000_000;

const VARIANTS = [
  { name: 'js', label: 'hand-coded JavaScript (floor)' },
  { name: 'cel', label: 'CEL (compilePolicy)' },
];

// As in the other benchmarks: other processes keeping this much of a core
// busy during a measurement make it a disturbed one.
const DISTURBED_CORES = 0.25;

const formatUs = (value) => value.toFixed(2);
const formatCores = (value) => value.toFixed(2);
const formatCount = (value) => new Intl.NumberFormat('en-US').format(value);

/**
 * Checks, once, that the CEL policy and its JavaScript twin give the same
 * outcome for every input, that no condition fails, and that the mix makes
 * every rule match at least once.
 */
function checkAnswers() {
  const compiled = compilePolicy(policyDefinition(), new LevelSet());
  const floor = { ...compiled, rules: compiled.rules.map((rule, i) => ({ ...rule, test: RULES[i].js })) };
  const failures = [];
  const matched = new Set();
  INPUTS.forEach((input, i) => {
    const cel = evaluatePolicy(compiled, input);
    const js = evaluatePolicy(floor, input);
    if (!isDeepStrictEqual(cel, js)) failures.push(`input ${i} (${input.action}): CEL gives ${JSON.stringify(cel)}, JavaScript ${JSON.stringify(js)}`);
    for (const reason of cel.reasons) {
      if (reason.kind === 'rule_error') failures.push(`input ${i} (${input.action}): rule ${reason.rule} failed: ${reason.message}`);
      if (reason.kind === 'rule') matched.add(reason.rule);
    }
  });
  const unmatched = RULES.filter((rule) => !matched.has(rule.name)).map((rule) => rule.name);
  if (unmatched.length > 0) failures.push(`no input matches ${unmatched.join(', ')}`);
  if (failures.length > 0) throw new Error(`the policy benchmark's inputs do not check out:\n  ${failures.join('\n  ')}`);
  return { denied: INPUTS.filter((input) => evaluatePolicy(compiled, input).deny).length };
}

function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length]);
}

/**
 * Runs the benchmark.
 *
 * @param {{ options: ReturnType<import('./lib/options.mjs').parseOptions>, layout: { pinned: boolean } }} context
 * @returns {Promise<import('./lib/report.mjs').Report>}
 */
export async function run({ options, layout }) {
  const { rounds, durationSeconds, warmupSeconds, cpuProfileDir } = options;
  const { denied } = checkAnswers();
  console.log(`policy: CEL and JavaScript agree on all ${INPUTS.length} inputs (${denied} denied), every one of the ${RULES.length} rules matches one`);

  const results = [];
  for (let round = 1; round <= rounds; round += 1) {
    const order = rotate(VARIANTS, round - 1).map((variant) => variant.name);
    const figures = {};
    for (const name of order) {
      const label = `policy ${name}: round ${round}/${rounds}`;
      process.stdout.write(`${label} …`);
      const nodeArgs = cpuProfileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=policy-${name}-round${round}.cpuprofile`]
        : [];
      figures[name] = await runPinned({
        name: label,
        entry: WORKER_ENTRY,
        args: [name, String(warmupSeconds), String(durationSeconds), String(MAX_SAMPLES)],
        nodeArgs,
        layout,
      });
      const { medianUs, p99Us, samples, foreignCores } = figures[name];
      const others = foreignCores === undefined ? '' : `, others busy ${formatCores(foreignCores)} cores`;
      console.log(` median ${formatUs(medianUs)} µs, p99 ${formatUs(p99Us)} µs over ${formatCount(samples)} evaluations${others}`);
    }
    const ratios = { median: figures.cel.medianUs / figures.js.medianUs, p99: figures.cel.p99Us / figures.js.p99Us };
    const disturbed = Object.values(figures).some((measured) => (measured.foreignCores ?? 0) >= DISTURBED_CORES);
    console.log(`policy: round ${round}/${rounds} CEL ÷ JavaScript: ${formatRatio(ratios.median)} median, ${formatRatio(ratios.p99)} p99`);
    results.push({ round, order, figures, ratios, disturbed });
  }
  return buildReport(results, options);
}

function buildReport(results, options) {
  const of = (name, key) => summarize(results.map((round) => round.figures[name][key]));
  const ratio = (key) => summarize(results.map((round) => round.ratios[key]));
  const figureRows = VARIANTS.map(({ name, label }) => [
    label,
    formatSummary(of(name, 'medianUs'), formatUs),
    formatSummary(of(name, 'p99Us'), formatUs),
    formatSummary(of(name, 'meanUs'), formatUs),
    formatSummary(of(name, 'samples'), formatCount),
  ]);
  const celMedian = of('cel', 'medianUs');
  const meeting = results.filter((round) => round.figures.cel.medianUs <= GOAL_US).length;
  const disturbed = results.filter((round) => round.disturbed).length;
  const goal = {
    goal: `median ≤ ${GOAL_US} µs per evaluation`,
    scope: `${RULES.length} CEL rules`,
    value: `${formatUs(celMedian.median)} µs, ${formatRatio(ratio('median').median)} the floor`,
    rounds: `${meeting}/${results.length}`,
    met: celMedian.median <= GOAL_US,
  };
  if (disturbed * 2 >= results.length) goal.caveat = `other processes kept ≥ ${DISTURBED_CORES} of a core busy in ${disturbed} of ${results.length} rounds of the policy benchmark`;
  const goals = [goal];
  const withCpu = results.every((round) => Object.values(round.figures).every((figures) => figures.foreignCores !== undefined));
  const timer = summarize(results.flatMap((round) => Object.values(round.figures).map((figures) => figures.timerUs)));
  const intro = [
    `One policy of ${RULES.length} rules (\`bench/policy/rules.mjs\`: transfers by amount band, new payee, currency and country; \`account.*\` changes; admin actions; \`risk.level\` high and medium; an \`untrusted_ip\` deny; country and hour conditions on \`context\`; per-resource rules behind \`has(resource.x)\` guards), compiled once with \`compilePolicy\` from \`packages/core/dist\`. ` +
      `Each call of \`evaluatePolicy\` takes the next of ${INPUTS.length} inputs (small transfers to ones over 10,000, account and admin actions, low to high risk, denied ones), so every rule matches some input.`,
    '',
    '- **CEL**: the compiled policy as the server runs it.',
    "- **hand-coded JavaScript (floor)**: the same compiled policy with each rule's `test` replaced by the same condition written as a JavaScript predicate, so `evaluatePolicy` combines requirements and builds reasons exactly as for CEL: the difference is the conditions alone.",
    '',
    `Before measuring, the two were checked to give identical outcomes (requirement, deny, reasons) for every input with no condition failing. ` +
      `Each variant runs in its own child process (pinned like the servers) for ${options.warmupSeconds} s untimed, then ${options.durationSeconds} s (at most ${formatCount(MAX_SAMPLES)} evaluations) each timed alone with \`performance.now()\`; order rotated each round. ` +
      `Figures are the median and (range) over ${options.rounds} round${options.rounds === 1 ? '' : 's'} of each round's per-evaluation median, p99 and mean; ratios pair CEL with the floor **within a round**. ` +
      `Every sample includes the timer's own cost, a median ${formatUs(timer.median)} µs (timing an empty call the same way), ${Math.round((100 * timer.median) / of('js', 'medianUs').median)}% of the floor's median: the ratios understate CEL's cost over plain JavaScript by about that much.`,
  ];
  if (withCpu) {
    const foreign = summarize(results.flatMap((round) => Object.values(round.figures).map((figures) => figures.foreignCores)));
    intro.push(
      `Other processes kept a median ${formatCores(foreign.median)} cores (max ${formatCores(foreign.max)}) busy during the timed phases; a round is disturbed when one of its two reached ${DISTURBED_CORES}. ` +
        'Preemption shows in the mean (wall time over evaluations) far more than in the median and p99 of the calls themselves.',
    );
  }
  return {
    title,
    intro,
    tables: [
      { heading: 'Figures (µs per evaluation)', columns: ['Conditions', 'median µs', 'p99 µs', 'mean µs', 'evaluations per round'], rows: figureRows },
      {
        heading: 'CEL ratios to the floor, paired within each round',
        columns: ['CEL ÷ floor median', 'CEL ÷ floor p99'],
        rows: [[formatSummary(ratio('median'), formatRatio), formatSummary(ratio('p99'), formatRatio)]],
      },
      {
        heading: 'Per round',
        note: `Each cell: median / p99 µs per evaluation${withCpu ? ' / cores other processes kept busy meanwhile' : ''}. Ratios: CEL ÷ floor median / p99.`,
        columns: ['Round', 'Order', ...VARIANTS.map(({ label }) => label), 'Ratios'],
        rows: results.map(({ round, order, figures, ratios, disturbed: roundDisturbed }) => [
          `${round}${roundDisturbed ? ' (disturbed)' : ''}`,
          order.join(' → '),
          ...VARIANTS.map(({ name }) => `${formatUs(figures[name].medianUs)} / ${formatUs(figures[name].p99Us)}${withCpu ? ` / ${formatCores(figures[name].foreignCores)}` : ''}`),
          `${formatRatio(ratios.median)} / ${formatRatio(ratios.p99)}`,
        ]),
      },
    ],
    goals,
  };
}
