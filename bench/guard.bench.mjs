// The guard benchmark: @stepwise/guard on node:http against the same route
// doing a bare jose.jwtVerify with a cached key, and against
// express-oauth2-jwt-bearer on Express 5, on the 200 path and on the RFC 9470
// 401 insufficient_user_authentication path. Goals: the guard reaches
// ≥ 0.9× bare jose's requests/s with p99 ≤ 1.2× bare jose's, and more
// requests/s than express-oauth2-jwt-bearer. Ratios pair the guard with its
// rivals within each round, so that drift between rounds cancels out.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, REQUIREMENT, ROUTE } from './guard/route.mjs';
import { startIssuer } from './lib/issuer.mjs';
import { measure, startServer } from './lib/measure.mjs';
import { DISTURBED_CORES, rotate } from './lib/paired.mjs';
import { formatMs, formatRatio, formatRps, formatSummary } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SERVERS_ENTRY = path.join(BENCH_DIR, 'guard', 'servers.mjs');

export const title = 'Guard: @stepwise/guard vs bare jose vs express-oauth2-jwt-bearer';

const RFC9470_CHALLENGE = /^Bearer error="insufficient_user_authentication", .*acr_values="aal2", max_age=300$/;

/** The servers, measured in this order in round 1 and rotated after. */
const TARGETS = [
  { name: 'bare-jose', insufficientChallenge: RFC9470_CHALLENGE },
  { name: 'guard', insufficientChallenge: RFC9470_CHALLENGE },
  // claimCheck can only refuse with invalid_token; what matters here is the 401 and its challenge.
  { name: 'express-jwt-bearer', insufficientChallenge: /^Bearer realm="api", error="invalid_token", / },
];

const PATHS = [
  { id: '200', label: '200 (aal2 token)', acr: 'aal2', status: 200 },
  { id: '401', label: '401 insufficient (aal1 token)', acr: 'aal1', status: 401 },
];

// `estimate`: the ratio a server bound by its one core would reach, from CPU
// time per request, which other processes on the machine hardly disturb.
const GOALS = [
  { goal: 'guard req/s ≥ 0.9× bare jose', ratio: 'rpsVsBare', estimate: 'cpuRpsVsBare', met: (value) => value >= 0.9 },
  { goal: 'guard p99 ≤ 1.2× bare jose', ratio: 'p99VsBare', met: (value) => value <= 1.2 },
  { goal: 'guard req/s > express-oauth2-jwt-bearer', ratio: 'rpsVsExpress', estimate: 'cpuRpsVsExpress', met: (value) => value > 1 },
];

function installedVersion(name) {
  const manifest = path.join(BENCH_DIR, 'node_modules', name, 'package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

// A token whose signature no longer matches: every server must refuse it,
// proving that each one verifies rather than merely decodes.
function tamper(token) {
  const [header, payload, signature] = token.split('.');
  const flipped = signature[10] === 'A' ? 'B' : 'A';
  return [header, payload, `${signature.slice(0, 10)}${flipped}${signature.slice(11)}`].join('.');
}

async function request(url, token) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}

/**
 * Checks, once, that a server answers each path as it must, and refuses a
 * forged token. Throws with the server's answer when it does not.
 */
async function checkAnswers(target, url, issuer) {
  const failures = [];
  for (const { id, acr, status } of PATHS) {
    const answer = await request(url, await issuer.signAccessToken({ audience: AUDIENCE, acr }));
    const ok =
      answer.status === status &&
      (status === 200 ? answer.body === '{"ok":true}' : target.insufficientChallenge.test(answer.challenge ?? ''));
    if (!ok) failures.push(`path ${id}: expected ${status}, got ${JSON.stringify(answer)}`);
  }
  const forged = await request(url, tamper(await issuer.signAccessToken({ audience: AUDIENCE, acr: 'aal2' })));
  if (forged.status !== 401 || !/error="invalid_token"/.test(forged.challenge ?? '')) {
    failures.push(`forged signature: expected 401 invalid_token, got ${JSON.stringify(forged)}`);
  }
  if (failures.length > 0) throw new Error(`${target.name} does not answer as the benchmark requires:\n  ${failures.join('\n  ')}`);
}

const formatUs = (value) => value.toFixed(0);
const formatCores = (value) => value.toFixed(2);

function ratiosOf(round) {
  const { 'bare-jose': bare, guard, 'express-jwt-bearer': peer } = round.figures;
  return {
    rpsVsBare: guard.rps / bare.rps,
    p99VsBare: guard.p99 / bare.p99,
    rpsVsExpress: guard.rps / peer.rps,
    cpuVsBare: guard.cpuUsPerRequest / bare.cpuUsPerRequest,
    cpuRpsVsBare: bare.cpuUsPerRequest / guard.cpuUsPerRequest,
    cpuRpsVsExpress: peer.cpuUsPerRequest / guard.cpuUsPerRequest,
  };
}

/**
 * Runs the benchmark.
 *
 * @param {{ options: ReturnType<import('./lib/options.mjs').parseOptions>, layout: { pinned: boolean } }} context
 * @returns {Promise<import('./lib/report.mjs').Report>}
 */
export async function run({ options, layout }) {
  const { rounds, durationSeconds, warmupSeconds, connections, cpuProfileDir } = options;
  const issuer = await startIssuer();
  const servers = {};
  try {
    for (const target of TARGETS) {
      const nodeArgs = cpuProfileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${target.name}.cpuprofile`]
        : [];
      servers[target.name] = await startServer({
        name: target.name,
        entry: SERVERS_ENTRY,
        args: [target.name, issuer.issuer, AUDIENCE],
        nodeArgs,
        layout,
      });
      await checkAnswers(target, servers[target.name].url + ROUTE, issuer);
    }
    console.log(`guard: every server answers 200 to aal2, 401 to aal1 and to a forged signature`);

    const results = [];
    for (const benchPath of PATHS) {
      const pathRounds = [];
      for (let round = 1; round <= rounds; round += 1) {
        const order = rotate(TARGETS, round - 1).map((target) => target.name);
        const figures = {};
        for (const name of order) {
          const label = `${name} ${benchPath.id}: round ${round}/${rounds}`;
          process.stdout.write(`${label} …`);
          // Signed now, so that auth_time stays within max_age however long the run.
          const token = await issuer.signAccessToken({ audience: AUDIENCE, acr: benchPath.acr });
          figures[name] = await measure({
            label,
            url: servers[name].url + ROUTE,
            serverPid: servers[name].pid,
            headers: { authorization: `Bearer ${token}` },
            expectStatus: benchPath.status,
            durationSeconds,
            warmupSeconds,
            connections,
          });
          const { rps, p50, p99, cpuUsPerRequest, foreignCores } = figures[name];
          const cpu = cpuUsPerRequest === undefined ? '' : `, server CPU ${formatUs(cpuUsPerRequest)} µs/req, others busy ${formatCores(foreignCores)} cores`;
          console.log(` ${formatRps(rps)} req/s, p50 ${formatMs(p50)} ms, p99 ${formatMs(p99)} ms${cpu}`);
        }
        const disturbed = Object.values(figures).some((measured) => (measured.foreignCores ?? 0) >= DISTURBED_CORES);
        const entry = { round, order, figures, disturbed };
        entry.ratios = ratiosOf(entry);
        console.log(
          `guard ${benchPath.id}: round ${round}/${rounds} ratios: ${formatRatio(entry.ratios.rpsVsBare)} bare req/s, ` +
            `${formatRatio(entry.ratios.p99VsBare)} bare p99, ${formatRatio(entry.ratios.rpsVsExpress)} express req/s`,
        );
        pathRounds.push(entry);
      }
      results.push({ path: benchPath, rounds: pathRounds });
    }
    return buildReport(results, options, layout);
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await issuer.close();
  }
}

function buildReport(results, options, layout) {
  const measurements = results.flatMap(({ rounds }) => rounds.flatMap((round) => Object.values(round.figures)));
  const withCpu = measurements.every((figures) => figures.cpuUsPerRequest !== undefined);
  const figureRows = [];
  const ratioRows = [];
  const roundRows = [];
  const goals = [];
  for (const { path: benchPath, rounds } of results) {
    for (const { name } of TARGETS) {
      const of = (key) => summarize(rounds.map((round) => round.figures[name][key]));
      const row = [benchPath.label, name, formatSummary(of('rps'), formatRps), formatSummary(of('p50'), formatMs), formatSummary(of('p99'), formatMs)];
      if (withCpu) row.push(formatSummary(of('cpuUsPerRequest'), formatUs));
      figureRows.push(row);
    }
    const ratio = (key) => summarize(rounds.map((round) => round.ratios[key]));
    const ratioRow = [benchPath.label, ...GOALS.map(({ ratio: key }) => formatSummary(ratio(key), formatRatio))];
    if (withCpu) ratioRow.push(formatSummary(ratio('cpuVsBare'), formatRatio));
    ratioRows.push(ratioRow);
    const disturbed = rounds.filter((round) => round.disturbed).length;
    for (const { goal, ratio: key, estimate, met } of GOALS) {
      const summary = ratio(key);
      const meeting = rounds.filter((round) => met(round.ratios[key])).length;
      const verdict = { goal, scope: benchPath.label, value: formatRatio(summary.median), rounds: `${meeting}/${rounds.length}`, met: met(summary.median) };
      if (withCpu && estimate) {
        const estimated = ratio(estimate).median;
        verdict.estimate = `${formatRatio(estimated)} (${met(estimated) ? 'met' : 'missed'})`;
      }
      if (disturbed * 2 >= rounds.length) {
        verdict.caveat = `other processes kept ≥ ${DISTURBED_CORES} of a core busy in ${disturbed} of ${rounds.length} rounds of the ${benchPath.label} path`;
      }
      goals.push(verdict);
    }
    for (const { round, order, figures, ratios, disturbed: roundDisturbed } of rounds) {
      const cell = (name) => {
        const { rps, p99, foreignCores } = figures[name];
        return `${formatRps(rps)} / ${formatMs(p99)}${withCpu ? ` / ${formatCores(foreignCores)}` : ''}`;
      };
      const roundLabel = `${round}${roundDisturbed ? ' (disturbed)' : ''}`;
      roundRows.push([benchPath.label, roundLabel, order.join(' → '), ...TARGETS.map(({ name }) => cell(name)), GOALS.map(({ ratio: key }) => formatRatio(ratios[key])).join(' / ')]);
    }
  }

  const versions = ['jose', 'express', 'express-oauth2-jwt-bearer', 'autocannon'].map((name) => `${name} ${installedVersion(name)}`);
  const peerJose = installedVersion('express-oauth2-jwt-bearer/node_modules/jose');
  const intro = [
    `Route \`GET ${ROUTE}\` requiring \`${JSON.stringify(REQUIREMENT)}\`, ES256 at+jwt tokens from a local issuer, one server process at a time under load.`,
    '',
    '- **bare-jose**: node:http, `jwtVerify(token, cachedKey, { issuer, audience, algorithms: [\'ES256\'], typ: \'at+jwt\' })`, hand-written rank and max_age check and RFC 9470 401 with precomputed answers.',
    '- **guard**: node:http, `guard.node(req, res, { acr: \'aal2\', maxAge: 300 })` from `packages/guard/dist`.',
    '- **express-jwt-bearer**: Express 5, `auth({ issuerBaseURL, audience, tokenSigningAlg: \'ES256\', strict: true })` + `claimCheck` for the rank and max_age; its 401 says `invalid_token` since claimCheck cannot say `insufficient_user_authentication`.',
    '',
    'Before measuring, each server was checked to answer 200 `{"ok":true}` to an aal2 token, 401 with its challenge to an aal1 token, and 401 invalid_token to a forged signature; every measured response had the expected status.',
    `Each round measures the three servers back to back (order rotated each round) for ${options.durationSeconds} s after a ${options.warmupSeconds} s warm-up with ${options.connections} connections. Ratios pair the guard with the others **within a round**; a goal is judged on the median of its paired ratios. Figures are the median and (range) over ${options.rounds} round${options.rounds === 1 ? '' : 's'}; p50/p99 in ms from autocannon's per-response timings.`,
  ];
  if (withCpu) {
    const foreign = summarize(measurements.map((figures) => figures.foreignCores));
    intro.push(
      `Server CPU µs/req is the server process's user + system time (all threads, from /proc) over the requests it answered: it moves far less than req/s when other processes take the core, though contention on the host (invisible from inside a VM) still raises it for every server alike. ` +
        `Other processes kept a median ${formatCores(foreign.median)} cores (max ${formatCores(foreign.max)}) of ${layout.cores} busy during the measurements` +
        (foreign.max >= DISTURBED_CORES ? ': **the machine was shared, so req/s and p99 are noisy; read the CPU µs/req column alongside.**' : '.'),
      `A round counts as disturbed when other processes kept ≥ ${DISTURBED_CORES} of a core busy during one of its measurements; a goal judged on mostly disturbed rounds is marked unreliable. ` +
        '"Estimate from CPU time" is the req/s ratio two servers bound by one core each would reach (the inverse ratio of their CPU µs/req); it holds up when the machine is shared, though it ignores latency.',
    );
  }
  intro.push('', `Versions: ${versions.join(', ')}; express-oauth2-jwt-bearer verifies with its own jose ${peerJose}.`);

  return {
    title,
    intro,
    tables: [
      { heading: 'Figures', columns: ['Path', 'Server', 'req/s', 'p50 ms', 'p99 ms', ...(withCpu ? ['server CPU µs/req'] : [])], rows: figureRows },
      {
        heading: 'Guard ratios, paired within each round',
        columns: ['Path', 'guard ÷ bare-jose req/s', 'guard ÷ bare-jose p99', 'guard ÷ express-jwt-bearer req/s', ...(withCpu ? ['guard ÷ bare-jose CPU/req (no goal)'] : [])],
        rows: ratioRows,
      },
      {
        heading: 'Per round',
        note: `Each cell: req/s / p99 ms${withCpu ? ' / cores other processes kept busy meanwhile' : ''}. Ratios: guard ÷ bare req/s / guard ÷ bare p99 / guard ÷ express req/s.`,
        columns: ['Path', 'Round', 'Order', ...TARGETS.map(({ name }) => name), 'Ratios'],
        rows: roundRows,
      },
    ],
    goals,
  };
}
