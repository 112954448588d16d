// Cold start: the time from spawning a server process to its first answered
// discovery request (200 with the right issuer), for `stepwise serve` on
// SQLite in an existing data dir (a restart) and in a fresh one (first run:
// the folder, the database and its migrations, the secret keys file and the
// first signing key are all created), against a bare oidc-provider on
// node:http and bare node:http, each started the same way, and bare
// node:http after loading Stepwise's modules (to split a start's time). Each round starts
// every target once, order rotated; ratios pair Stepwise with oidc-provider
// within the round. The resident set is read at that first answer too.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../packages/server/dist/test/support/free-port.js';
import { startCpuReading } from '../lib/cpu-time.mjs';
import { DISTURBED_CORES, rotate } from '../lib/paired.mjs';
import { readMemory, spawnServer, timeToDiscovery } from './process.mjs';

/**
 * What each round starts, in this order in round 1 and rotated after.
 * @type {Array<{ id: string, label: string, kind: 'stepwise' | 'oidc-provider' | 'node-http' | 'stepwise-modules', dataDir?: 'existing' | 'fresh', baseline?: string }>}
 */
export const COLD_START_TARGETS = [
  { id: 'stepwise-existing', label: 'Stepwise, existing data dir (restart)', kind: 'stepwise', dataDir: 'existing', baseline: 'oidc-provider' },
  { id: 'stepwise-fresh', label: 'Stepwise, fresh data dir (first run)', kind: 'stepwise', dataDir: 'fresh', baseline: 'oidc-provider' },
  { id: 'oidc-provider', label: 'bare oidc-provider on node:http', kind: 'oidc-provider' },
  { id: 'node-http', label: 'bare node:http (the floor)', kind: 'node-http' },
  { id: 'stepwise-modules', label: "bare node:http after importing Stepwise's modules", kind: 'stepwise-modules' },
];

function baselineEnv() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
  return { FOOTPRINT_JWK: JSON.stringify(jwk), FOOTPRINT_COOKIE_KEY: randomBytes(32).toString('base64url') };
}

/**
 * Starts one target, times it to its first discovery answer, reads its
 * memory and stops it.
 *
 * @returns {Promise<{ ms: number, rssKiB: number, cpuMs?: number, foreignCores?: number }>}
 *   cpuMs: the server's CPU time (user + system, all threads) to that
 *   answer; foreignCores: what other processes kept busy meanwhile (Linux)
 */
async function startOnce(target, { dataDir, keys, cores }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = target.kind === 'stepwise'
    ? { STEPWISE_PORT: String(port), STEPWISE_HOST: '127.0.0.1', STEPWISE_ISSUER: issuer, STEPWISE_DATA_DIR: dataDir, STEPWISE_LOG_LEVEL: 'error' }
    : { FOOTPRINT_PORT: String(port), FOOTPRINT_ISSUER: issuer, ...keys };
  const server = spawnServer({ kind: target.kind, env, cores });
  const stopCpuReading = startCpuReading(server.pid);
  try {
    const ms = await timeToDiscovery(server, { baseUrl: issuer, issuer });
    const cpu = stopCpuReading();
    const figures = { ms, rssKiB: readMemory(server.pid).rssKiB };
    return cpu ? { ...figures, cpuMs: cpu.serverCpuSeconds * 1000, foreignCores: cpu.foreignCores } : figures;
  } finally {
    await server.stop();
  }
}

/**
 * Runs the cold-start rounds. Before round 1 each target is started once,
 * unmeasured: that creates the existing data dir and warms the OS file
 * cache, so every figure is a restart of a machine that has run it before.
 *
 * @param {{ rounds: number, layout: { pinned: boolean, serverCore?: string } }} spec
 * @returns {Promise<Array<{ round: number, order: string[], figures: Record<string, { ms: number, rssKiB: number, cpuMs?: number, foreignCores?: number }>, ratios: Record<string, { ratio: number, extraMs: number, cpuRatio?: number }>, disturbed: boolean }>>}
 *   ratios: per Stepwise target, its time ÷ and − the baseline's in the
 *   same round, and its CPU time ÷ the baseline's (Linux); disturbed: other processes kept a quarter of a core or
 *   more busy during one of the round's starts
 * @example
 * const results = await runColdStart({ rounds: 5, layout });
 * results[0].figures['stepwise-existing'].ms; // e.g. 1100
 */
export async function runColdStart({ rounds, layout }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-footprint-start-'));
  const keys = baselineEnv();
  const cores = layout.pinned ? layout.serverCore : undefined;
  const existingDir = path.join(dir, 'existing');
  // A folder that does not exist yet, as on a first `stepwise serve`.
  let freshDirs = 0;
  const dataDirOf = (target) => (target.dataDir === 'existing' ? existingDir : path.join(dir, `fresh-${++freshDirs}`));
  try {
    // Both Stepwise targets prime the existing dir: the first creates it.
    for (const target of COLD_START_TARGETS) await startOnce(target, { dataDir: existingDir, keys, cores });
    const results = [];
    for (let round = 1; round <= rounds; round += 1) {
      const order = rotate(COLD_START_TARGETS, round - 1);
      const figures = {};
      for (const target of order) {
        const dataDir = dataDirOf(target);
        figures[target.id] = await startOnce(target, { dataDir, keys, cores });
        if (target.dataDir === 'fresh') rmSync(dataDir, { recursive: true, force: true });
      }
      const ratios = Object.fromEntries(COLD_START_TARGETS.filter((target) => target.baseline).map(({ id, baseline }) => [id, {
        ratio: figures[id].ms / figures[baseline].ms,
        extraMs: figures[id].ms - figures[baseline].ms,
        ...(figures[id].cpuMs && figures[baseline].cpuMs ? { cpuRatio: figures[id].cpuMs / figures[baseline].cpuMs } : {}),
      }]));
      const disturbed = Object.values(figures).some((measured) => (measured.foreignCores ?? 0) >= DISTURBED_CORES);
      console.log(`footprint cold start: round ${round}/${rounds}${disturbed ? ' (disturbed)' : ''}: ${order.map(({ id }) => `${id} ${figures[id].ms.toFixed(0)} ms`).join(', ')}`);
      results.push({ round, order: order.map((target) => target.id), figures, ratios, disturbed });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
