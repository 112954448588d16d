// The step-up benchmark: Stepwise completing a challenge with a TOTP code
// (`POST /v1/challenges/:id/verify`: the code checked, the challenge
// satisfied, a signed receipt issued) against two baselines, each paired
// with it within each round: a bare node:http server signing one ES256 JWT
// per request (goal: Stepwise ≥ 0.65× its requests/s), and better-auth's
// two-factor TOTP verify (goal: Stepwise ≥ 5× its requests/s). Every
// request completes a step-up of its own, prepared beforehand outside the
// measured window (bench/stepup/load.mjs).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/measure.mjs';
import { pairedGoals, pairedMethodNote, pairedTables, runRounds } from './lib/paired.mjs';
import { betterAuthTarget } from './stepup/better-auth-target.mjs';
import { jwtTarget } from './stepup/jwt-target.mjs';
import { measureSupplied, reserveFor, SUPPLY_MARGIN } from './stepup/load.mjs';
import { introLines } from './stepup/intro.mjs';
import { stepwiseTarget } from './stepup/stepwise-target.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SERVERS_ENTRY = path.join(BENCH_DIR, 'stepup', 'servers.mjs');
// Seeding thousands of users and challenges on a shared core can take a while.
const READY_TIMEOUT_MS = 120_000;

/** The report's heading. */
export const title = 'Step-up completion: Stepwise vs an ES256 JWT signer and better-auth two-factor';

/**
 * The targets, measured in this order in round 1 and rotated after.
 * users: seeded on the server; estimate: the requests/s the first supply is sized for (the JWT signer needs none).
 */
const TARGETS = [
  { id: 'stepwise', label: 'Stepwise: TOTP completes a challenge, receipt issued', server: 'stepwise', users: 10_000, estimate: 500, open: stepwiseTarget },
  { id: 'jwt', label: 'A: node:http + jose, one ES256 JWT per request', server: 'jwt', users: 0, estimate: 0, open: jwtTarget },
  { id: 'better-auth', label: 'B: better-auth two-factor verify-totp', server: 'better-auth', users: 500, estimate: 150, open: betterAuthTarget },
];

const COMPARISONS = [
  { id: 'vs-jwt', label: 'Stepwise ÷ A (JWT signer)', target: 'stepwise', baseline: 'jwt' },
  { id: 'vs-better-auth', label: 'Stepwise ÷ B (better-auth)', target: 'stepwise', baseline: 'better-auth' },
];

const GOALS = [
  { goal: 'req/s ≥ 0.65× the JWT signer', target: 'vs-jwt', ratio: 'rps', met: (value) => value >= 0.65 },
  { goal: 'req/s ≥ 5× better-auth', target: 'vs-better-auth', ratio: 'rps', met: (value) => value >= 5 },
];

async function checkAll(targets, when) {
  const failures = [];
  for (const { id } of TARGETS) failures.push(...(await targets[id].check()).map((failure) => `${id}: ${failure}`));
  if (failures.length > 0) throw new Error(`the step-up benchmark's servers do not answer as it requires (${when}):\n  ${failures.join('\n  ')}`);
}

/**
 * Runs the benchmark.
 *
 * @param {{ options: ReturnType<import('./lib/options.mjs').parseOptions>, layout: { pinned: boolean, cores: number } }} context
 * @returns {Promise<import('./lib/report.mjs').Report>}
 */
export async function run({ options, layout }) {
  const { rounds, cpuProfileDir } = options;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-stepup-'));
  const servers = {};
  try {
    const started = Date.now();
    await Promise.all(TARGETS.map(async ({ id, server, users, estimate }) => {
      const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=stepup-${id}.cpuprofile`] : [];
      const dir = mkdtempSync(path.join(dataDir, `${id}-`));
      // Challenges for every round at the first estimate; the supply tops itself up if the rate beats it.
      const challenges = id === 'stepwise' ? Math.ceil(estimate * rounds * (options.warmupSeconds + options.durationSeconds) * SUPPLY_MARGIN) + reserveFor(estimate, options.connections) : 0;
      servers[id] = await startServer({ name: id, entry: SERVERS_ENTRY, args: [server, dir, String(users), String(challenges)], nodeArgs, layout, readyTimeoutMs: READY_TIMEOUT_MS });
      servers[id].setup = JSON.parse(readFileSync(path.join(dir, `${server}.json`), 'utf8'));
    }));
    console.log(`stepup: servers started and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const targets = {};
    for (const { id, open } of TARGETS) targets[id] = await open(servers[id]);
    await checkAll(targets, 'before measuring');
    console.log('stepup: each target completes a step-up with a verified answer and refuses what it must');

    const estimates = Object.fromEntries(TARGETS.map(({ id, estimate }) => [id, estimate]));
    const prepared = Object.fromEntries(TARGETS.map(({ id }) => [id, 0]));
    const results = await runRounds({
      name: 'stepup',
      targets: TARGETS.map(({ id, label }) => ({ id, label })),
      comparisons: COMPARISONS,
      rounds,
      measureTarget: async ({ id }, label) => {
        const measured = await measureSupplied({ label, target: targets[id], url: servers[id].url, serverPid: servers[id].pid, estimate: estimates[id], options });
        if (Number.isFinite(estimates[id])) estimates[id] = measured.figures.rps;
        prepared[id] += measured.prepared;
        return measured.figures;
      },
    });
    // The answers must not have drifted under load.
    await checkAll(targets, 'after measuring');
    const targetList = TARGETS.map(({ id, label }) => ({ id, label }));
    return {
      title,
      intro: introLines({ opened: servers.stepwise.setup.users.reduce((sum, user) => sum + user.pending.length, 0), prepared, users: Object.fromEntries(TARGETS.map(({ id, users }) => [id, users])), methodNote: pairedMethodNote({ results, options, layout }) }),
      tables: pairedTables({ targets: targetList, comparisons: COMPARISONS, results }),
      goals: pairedGoals({ goals: GOALS, targets: targetList, comparisons: COMPARISONS, results }),
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
