// Child-process entry of the policy benchmark: compiles the bench policy
// once and times core's evaluatePolicy call by call over the input mix.
//   cel    the rules' CEL conditions, compiled by compilePolicy
//   js     the same compiled policy with each rule's test replaced by its
//          hand-coded JavaScript predicate: the same evaluatePolicy loop,
//          combining and reasons, so the difference is the conditions alone
// Usage: node bench/policy/evaluate.mjs <cel|js> <warm-up s> <duration s> <max samples>
// Prints `RESULT <json>`: { samples, medianUs, p99Us, meanUs, timerUs, foreignCores }
// where timerUs is the median cost of timing an empty call (included in every
// sample) and foreignCores the cores other processes kept busy meanwhile (Linux).
// One variant per process, so that evaluatePolicy's call site `rule.test()`
// sees one kind of function, as in a server.

import { compilePolicy, evaluatePolicy, LevelSet } from '../../packages/core/dist/src/index.js';
import { startForeignReading } from '../lib/cpu-time.mjs';
import { percentile } from '../lib/stats.mjs';
import { INPUTS, policyDefinition, RULES } from './rules.mjs';

const [variant, warmupArg, durationArg, maxArg] = process.argv.slice(2);
if (!['cel', 'js'].includes(variant) || !durationArg || !maxArg) {
  console.error('usage: node bench/policy/evaluate.mjs <cel|js> <warm-up s> <duration s> <max samples>');
  process.exit(2);
}
const warmupMs = Number(warmupArg) * 1000;
const durationMs = Number(durationArg) * 1000;
const maxSamples = Number(maxArg);

const compiled = compilePolicy(policyDefinition(), new LevelSet());
const policy = variant === 'cel' ? compiled : { ...compiled, rules: compiled.rules.map((rule, i) => ({ ...rule, test: RULES[i].js })) };

// Something every call contributes to, so no evaluation can be optimised away.
let sink = 0;
const CHECK_EVERY = 4096;

function untimed(ms) {
  const end = performance.now() + ms;
  let i = 0;
  while (performance.now() < end) {
    for (let k = 0; k < CHECK_EVERY; k += 1) sink += evaluatePolicy(policy, INPUTS[i++ % INPUTS.length]).reasons.length;
  }
}

function timed(ms, evaluate) {
  const samples = new Float64Array(maxSamples);
  let n = 0;
  let i = 0;
  const started = performance.now();
  const end = started + ms;
  while (n < maxSamples && performance.now() < end) {
    const stop = Math.min(maxSamples, n + CHECK_EVERY);
    while (n < stop) {
      const input = INPUTS[i++ % INPUTS.length];
      const t0 = performance.now();
      sink += evaluate(input);
      samples[n++] = performance.now() - t0;
    }
  }
  const elapsed = performance.now() - started;
  const sorted = samples.subarray(0, n).sort();
  return { samples: n, medianUs: percentile(sorted, 50) * 1000, p99Us: percentile(sorted, 99) * 1000, meanUs: (elapsed * 1000) / n };
}

untimed(warmupMs);
const stopForeignReading = startForeignReading();
const figures = timed(durationMs, (input) => evaluatePolicy(policy, input).reasons.length);
const foreignCores = stopForeignReading();
// The timer's own cost, measured the same way around a call that does nothing.
const timer = timed(Math.min(1000, durationMs), (input) => input.action.length);
console.log(`RESULT ${JSON.stringify({ ...figures, timerUs: timer.medianUs, foreignCores, sink: sink > 0 })}`);
