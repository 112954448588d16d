// The footprint benchmark: how long `stepwise serve` (SQLite) takes from
// spawn to its first answered discovery request, restarting on an existing
// data dir and starting on a fresh one, against a bare oidc-provider on
// node:http and bare node:http started the same way, paired within each
// round; and its resident memory from the start through 10,000 password
// sign-ins, beside the bare oidc-provider's idle resident set. No goal is
// set for these figures: they are reported as measured.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD_HASH_PARAMS } from '../packages/server/dist/src/crypto/passwords.js';
import { COLD_START_TARGETS, runColdStart } from './footprint/cold-start.mjs';
import { runMemory } from './footprint/memory.mjs';
import { POLL_INTERVAL_MS } from './footprint/process.mjs';
import { DISTURBED_CORES } from './lib/paired.mjs';
import { formatRatio, formatSummary } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { RETURN_TO } from './signins/sign-in.mjs';

const REPO_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The report's heading. */
export const title = 'Footprint: cold start and resident memory of `stepwise serve` on SQLite vs a bare oidc-provider';

/** Cold-start rounds at least: a round costs a few seconds. */
const MIN_COLD_START_ROUNDS = 5;
/** Sign-ins in flight, as in the sign-in benchmark. */
const CONCURRENCY = 16;
const SIGN_INS = { full: 10_000, quick: 1_000 };
const WARMUP_SIGN_INS = { full: 500, quick: 100 };
/** Readings of the resident set during the sign-ins. */
const SAMPLES = 10;

/**
 * What the resident growth is made of, from a one-off run (not repeated by
 * the benchmark: a heap snapshot takes seconds and itself moves the resident
 * set). Update it with the code.
 */
const MEMORY_NOTE =
  '**What the growth is** (around commit 5d292a9, by hand: the same server started with `NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2`, a heap snapshot, which collects garbage first, after a 500-user warm-up and after 10,000 more sign-ins): ' +
  'the live JavaScript heap was 43.1 MiB and then 43.5 MiB, so the sign-ins leave next to nothing behind in JavaScript objects (sessions go to SQLite). The resident growth is memory the process keeps once it has used it, mostly anonymous (`RssAnon`; the file-backed part, code and libraries, stays at about 54 MiB): V8 heap space not yet collected or not given back and the allocator\'s free lists. ' +
  'It also varies from run to run: two by-hand runs of 4,000 sign-ins grew from the warm-up by 13 and 47 MiB, and with glibc\'s `MALLOC_MMAP_THRESHOLD_=1048576` or `MALLOC_ARENA_MAX=1` by 48 and 43 MiB, within that spread.';

const formatStartMs = (value) => (value < 0 ? `−${Math.abs(value).toFixed(0)}` : value.toFixed(0));
const formatMiB = (kib) => (kib / 1024).toFixed(1);
const formatSignedMiB = (kib) => `${kib >= 0 ? '+' : '−'}${formatMiB(Math.abs(kib))}`;
const formatSignedMs = (value) => `${value >= 0 ? '+' : '−'}${formatStartMs(Math.abs(value))}`;
const formatCores = (value) => value.toFixed(2);
const COUNT = new Intl.NumberFormat('en-US');

function installedVersion(name) {
  return JSON.parse(readFileSync(path.join(REPO_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Runs the benchmark: the cold-start rounds first (the machine is quietest
 * before the sign-ins), then one memory run of a fresh server.
 *
 * @param {{ options: ReturnType<import('./lib/options.mjs').parseOptions>, layout: { pinned: boolean, serverCore?: string, loadCore?: string, cores: number } }} context
 * @returns {Promise<import('./lib/report.mjs').Report>}
 */
export async function run({ options, layout }) {
  const rounds = Math.max(MIN_COLD_START_ROUNDS, options.rounds);
  const coldStart = await runColdStart({ rounds, layout });

  const size = options.quick ? 'quick' : 'full';
  const signIns = SIGN_INS[size];
  // Both cores: one core would take twice as long for the same figure.
  const memoryCores = layout.pinned ? `${layout.serverCore},${layout.loadCore}` : undefined;
  const memory = await runMemory({ signIns, warmup: WARMUP_SIGN_INS[size], every: signIns / SAMPLES, concurrency: CONCURRENCY, cores: memoryCores });
  return buildReport({ coldStart, memory, rounds, signIns, warmup: WARMUP_SIGN_INS[size], layout, memoryCores });
}

/** A start split into parts, each one target's figure minus another's (`less`) within a round. */
const BREAKDOWN = [
  { part: 'Node starts and serves (the floor)', target: 'node-http' },
  { part: "Loading Stepwise's modules", target: 'stepwise-modules', less: 'node-http' },
  { part: 'Starting Stepwise on an existing data dir: configuration, SQLite and its migration check, keys, provider, app, listen, first answer', target: 'stepwise-existing', less: 'stepwise-modules' },
  { part: 'A first run\'s extra: data dir, schema, secret keys file, first signing key', target: 'stepwise-fresh', less: 'stepwise-existing' },
  { part: 'For comparison: loading and starting bare oidc-provider', target: 'oidc-provider', less: 'node-http' },
];

function partOf({ target, less }, figures, key) {
  return figures[target][key] - (less === undefined ? 0 : figures[less][key]);
}

function coldStartTables(results) {
  const of = (id, key) => summarize(results.map((round) => round.figures[id][key]));
  const ratio = (id, key) => summarize(results.map((round) => round.ratios[id][key]));
  const compared = COLD_START_TARGETS.filter((target) => target.baseline);
  const withCpu = results.every((round) => Object.values(round.ratios).every((ratios) => ratios.cpuRatio !== undefined));
  const disturbed = results.filter((round) => round.disturbed).length;
  const foreign = withCpu ? summarize(results.flatMap((round) => Object.values(round.figures).map((figures) => figures.foreignCores))) : undefined;
  const shared = foreign
    ? ` Other processes kept a median ${formatCores(foreign.median)} cores (max ${formatCores(foreign.max)}) busy during the starts; ${disturbed} of ${results.length} rounds were disturbed (≥ ${DISTURBED_CORES} of a core)${disturbed > 0 ? ': **read the CPU column alongside the times**' : ''}.`
    : '';
  return [
    {
      heading: 'Cold start: spawn to the first answered discovery request',
      note: `Median (range) over ${results.length} rounds. Ratios and differences pair each Stepwise start with the oidc-provider start of the same round. RSS: VmRSS at that first answer${withCpu ? '; CPU: the server\'s user + system time to that answer, all threads (/proc, 10 ms ticks), which neighbours do not inflate' : ''}.${shared}`,
      columns: ['Server', 'ms to first discovery answer', '÷ oidc-provider', '− oidc-provider, ms', ...(withCpu ? ['CPU ms to first answer', 'CPU ÷ oidc-provider'] : []), 'RSS at first answer, MiB'],
      rows: COLD_START_TARGETS.map(({ id, label, baseline }) => [
        label,
        formatSummary(of(id, 'ms'), formatStartMs),
        baseline ? formatSummary(ratio(id, 'ratio'), formatRatio) : '—',
        baseline ? formatSummary(ratio(id, 'extraMs'), formatSignedMs) : '—',
        ...(withCpu ? [formatSummary(of(id, 'cpuMs'), formatStartMs), baseline ? formatSummary(ratio(id, 'cpuRatio'), formatRatio) : '—'] : []),
        formatSummary(of(id, 'rssKiB'), formatMiB),
      ]),
    },
    {
      heading: "Where a Stepwise start's time goes",
      note: `Median (range) over the rounds of differences between two starts of the same round; each part is one target's time${withCpu ? ' (and CPU time)' : ''} minus another's, so the parts add up to the Stepwise start only roughly.`,
      columns: ['Part', 'How it is measured', 'ms', ...(withCpu ? ['CPU ms'] : [])],
      rows: BREAKDOWN.map((part) => [
        part.part,
        part.less === undefined ? part.target : `${part.target} − ${part.less}`,
        ...['ms', ...(withCpu ? ['cpuMs'] : [])].map((key) => formatSummary(summarize(results.map((round) => partOf(part, round.figures, key))), formatStartMs)),
      ]),
    },
    {
      heading: 'Cold start per round',
      note: `Each cell: ms from spawn to the first discovery answer${withCpu ? ' / cores other processes kept busy meanwhile' : ''}. Ratios: ${compared.map(({ id }) => id).join(' · ')} ÷ oidc-provider.`,
      columns: ['Round', 'Order', ...COLD_START_TARGETS.map(({ id }) => id), 'Ratios'],
      rows: results.map(({ round, order, figures, ratios, disturbed: roundDisturbed }) => [
        `${round}${roundDisturbed ? ' (disturbed)' : ''}`,
        order.join(' → '),
        ...COLD_START_TARGETS.map(({ id }) => `${formatStartMs(figures[id].ms)}${withCpu ? ` / ${formatCores(figures[id].foreignCores)}` : ''}`),
        compared.map(({ id }) => formatRatio(ratios[id].ratio)).join(' · '),
      ]),
    },
  ];
}

function memoryTables({ memory, coldStart, signIns, warmup }) {
  const { samples, peakKiB } = memory;
  const start = samples.find((sample) => sample.point === 'start');
  const warm = samples.find((sample) => sample.point === 'after warm-up');
  const last = samples.at(-1);
  const idle = (id) => summarize(coldStart.map((round) => round.figures[id].rssKiB));
  const after = `after ${COUNT.format(signIns)} sign-ins`;
  return [
    {
      heading: 'Resident memory under sign-ins',
      note: `MiB of resident set (VmRSS, /proc/<pid>/status), read when no sign-in is in flight except for the peak: VmHWM, the highest resident set since the process started, which is what a memory limit must allow at ${CONCURRENCY} sign-ins in flight. One run.`,
      columns: ['Figure', 'MiB'],
      rows: [
        ['Stepwise at start (first discovery answer)', formatMiB(start.rssKiB)],
        ['Stepwise after the warm-up', formatMiB(warm.rssKiB)],
        [`Stepwise ${after}`, formatMiB(last.rssKiB)],
        ['Stepwise peak (VmHWM) over the run', formatMiB(peakKiB)],
        [`Growth, start → ${after}`, formatSignedMiB(last.rssKiB - start.rssKiB)],
        [`Growth, warm-up → ${after}`, formatSignedMiB(last.rssKiB - warm.rssKiB)],
        ['bare oidc-provider, idle (first discovery answer; median of the cold starts)', formatSummary(idle('oidc-provider'), formatMiB)],
        ['bare node:http, idle (the floor; median of the cold starts)', formatSummary(idle('node-http'), formatMiB)],
      ],
    },
    {
      heading: `Resident memory every ${COUNT.format(signIns / SAMPLES)} sign-ins`,
      note: 'Seconds since the first discovery answer. Since the previous reading: sign-ins/s, the server\'s CPU time (user + system, all threads, /proc) per sign-in, and the cores other processes kept busy (a slower rate with the same CPU per sign-in is the neighbours\' doing). "Under load" readings are taken with the other sign-ins still in flight.',
      columns: ['Reading', 'Sign-ins', 's', 'Sign-ins/s', 'Server CPU ms/sign-in', 'Others busy, cores', 'VmRSS, MiB', 'VmHWM, MiB'],
      rows: samples.map(({ point, signIns: count, seconds, rate, cpuMsPerSignIn, foreignCores, rssKiB, hwmKiB }) => [
        point,
        point === 'after warm-up' ? `0 (${COUNT.format(warmup)} warm-up)` : COUNT.format(count),
        seconds.toFixed(1),
        rate === undefined ? '—' : rate.toFixed(0),
        cpuMsPerSignIn === undefined ? '—' : cpuMsPerSignIn.toFixed(1),
        foreignCores === undefined ? '—' : foreignCores.toFixed(2),
        formatMiB(rssKiB),
        formatMiB(hwmKiB),
      ]),
    },
  ];
}

function buildReport({ coldStart, memory, rounds, signIns, warmup, layout, memoryCores }) {
  const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_PARAMS;
  const where = layout.pinned
    ? `pinned to core ${layout.serverCore} (\`taskset -c ${layout.serverCore}\`) while this process polls from core ${layout.loadCore}`
    : 'unpinned (no taskset or one core), sharing the CPU with the process that polls';
  const memoryWhere = memoryCores
    ? `on both cores (\`taskset -c ${memoryCores}\`, shared with the load generator on core ${layout.loadCore}), so that its argon2id threads have two cores and ${COUNT.format(SIGN_INS.full)} sign-ins take about a minute`
    : 'unpinned';
  const intro = [
    `**Cold start** is the time from \`spawn()\` of a server process to the last byte of its first \`GET /.well-known/openid-configuration\` answered 200 with its issuer. The poller opens a fresh connection every ${POLL_INTERVAL_MS} ms (plus timer slack; a refused connect on loopback takes well under a millisecond), so a start is seen within a few ms of the first answer. On Linux the server's CPU time to that answer (user + system, all threads, \`/proc/<pid>/stat\`) is read too: neighbours on a shared machine stretch the times but hardly the CPU time, so its ratio is the steadier comparison there. ` +
      `Each server is a child process ${where}, with a clean environment (PATH and its own variables), on a free port with the issuer \`http://127.0.0.1:<port>\`:`,
    '',
    '- **Stepwise, existing data dir**: `stepwise serve` (`packages/cli/dist`) on SQLite in a data dir it has run on before (schema migrated, secret keys file and signing key in place): the realistic restart. Log level `error`, no other configuration.',
    '- **Stepwise, fresh data dir**: the same on a data dir that does not exist yet, so the start also creates it, the database and its migrations, the secret keys file and the first signing key.',
    `- **bare oidc-provider** ${installedVersion('oidc-provider')} (the one Stepwise embeds) on \`node:http\` with its default configuration, the same issuer, one ES256 key and cookie keys passed in (\`bench/footprint/baselines.mjs\`).`,
    '- **bare node:http**: a `node:http` server answering the discovery path with `{ issuer }`: the floor of any Node server\'s start.',
    "- **bare node:http after importing Stepwise's modules**: the same server after `import` of the `stepwise` command's modules (`packages/cli/dist/src/main.js`, and through it the server's): loading Stepwise's code apart from starting it, to split the Stepwise time into parts.",
    '',
    `Before the first round each server is started once unmeasured, which also creates the existing data dir and warms the OS file cache: these are restarts of a machine that has run the server before, not the first start after a boot. ${rounds} rounds (at least ${MIN_COLD_START_ROUNDS}: a round costs a few seconds), order rotated each round; each Stepwise time is divided by (and differenced with) the oidc-provider time of the same round.`,
    '',
    `**Resident memory**: one fresh \`stepwise serve\` on SQLite, ${memoryWhere}, with ${COUNT.format(signIns + warmup + 2)} users seeded into its database before it starts (\`bench/signins/users.mjs\`: one argon2id hash for all, m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}, and a TOTP factor each). ` +
      `A sign-in is \`POST /login?return_to=${RETURN_TO}\` with username, password and CSRF token, answered 303 to \`${RETURN_TO}\` with a new session cookie; any other answer stops the benchmark. ` +
      `${CONCURRENCY} virtual browsers sign users in back to back (a closed loop), each user once, from an X-Forwarded-For address of its own (\`trust_proxy: loopback\`; the per-IP form limit is 60 a minute). After a right and a wrong password are checked (303 and 401) and a warm-up of ${COUNT.format(warmup)} other users, ${COUNT.format(signIns)} sign-ins are measured. ` +
      `VmRSS and VmHWM (the peak) are read from \`/proc/<pid>/status\` at the first discovery answer, after the warm-up and every ${COUNT.format(signIns / SAMPLES)} sign-ins. Up to four argon2id hashes run at once on the libuv pool, each holding ${(memoryCost / 1024).toFixed(0)} MiB while it runs, so readings taken mid-load and the peak include up to about ${((4 * memoryCost) / 1024).toFixed(0)} MiB of hash memory. ` +
      `The memory run is done once (repeating it would cost another ${memory.signInSeconds >= 60 ? `${(memory.signInSeconds / 60).toFixed(1)} minutes` : `${memory.signInSeconds.toFixed(0)} s`}); the baselines' idle resident sets are those read at their first discovery answer in the cold-start rounds.`,
    '',
    MEMORY_NOTE,
    '',
    'No goal is set for these figures (issue 9 asks for them, not for a bound): they say what a restart costs in time and what a Stepwise node needs in memory, beside what oidc-provider alone needs.',
  ];
  return { title, intro, tables: [...coldStartTables(coldStart), ...memoryTables({ memory, coldStart, signIns, warmup })], goals: [] };
}
