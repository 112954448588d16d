// The footprint benchmark's servers as child processes: `stepwise serve`
// (packages/cli/dist) or a baseline (baselines.mjs), spawned with a clean
// environment (PATH and the server's own variables), optionally pinned with
// taskset; the time from spawn to the first answered discovery request; and
// the process's resident memory read from /proc.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BIN } from '../signins/cluster.mjs';

const BASELINES_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'baselines.mjs');
const DISCOVERY_PATH = '/.well-known/openid-configuration';
const START_TIMEOUT_MS = 20_000;
/**
 * Pause between connection attempts while a server starts. A refused
 * connect on loopback returns in well under a millisecond, so a start is
 * seen at most about this much (plus timer slack) after it happens.
 */
export const POLL_INTERVAL_MS = 2;

/**
 * Spawns a server. `stepwise` runs `stepwise serve` with the given
 * STEPWISE_* variables; the other kinds run baselines.mjs.
 *
 * @param {{ kind: 'stepwise' | 'oidc-provider' | 'node-http' | 'stepwise-modules', env: Record<string, string>, cores?: string }} spec
 *   cores: a taskset list (`0`, `0,1`); absent runs the server unpinned
 * @returns {{ kind: string, pid: number, spawnedAt: number, output: () => string, exited: Promise<unknown>, running: () => boolean, stop: () => Promise<void> }}
 *   spawnedAt: performance.now() just before spawn
 * @example
 * const server = spawnServer({ kind: 'stepwise', env: { STEPWISE_PORT: '4000', STEPWISE_DATA_DIR: dir }, cores: '0' });
 * await server.stop();
 */
export function spawnServer({ kind, env, cores }) {
  const nodeCommand = kind === 'stepwise' ? [process.execPath, CLI_BIN, 'serve'] : [process.execPath, BASELINES_ENTRY, kind];
  // taskset execs node in place: the pid is the server's.
  const [command, ...args] = cores === undefined ? nodeCommand : ['taskset', '-c', cores, ...nodeCommand];
  const spawnedAt = performance.now();
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let tail = '';
  const keep = (chunk) => { tail = (tail + chunk.toString('utf8')).slice(-4_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    pid: child.pid,
    spawnedAt,
    output: () => tail,
    exited,
    running,
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One GET of the discovery document on a fresh connection; rejects if nothing listens. */
function getDiscovery(baseUrl) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${baseUrl}${DISCOVERY_PATH}`, { agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function issuerOf(body) {
  try {
    return JSON.parse(body).issuer;
  } catch {
    return undefined;
  }
}

/**
 * Polls the discovery document every {@link POLL_INTERVAL_MS} ms until it
 * answers 200 with `issuer`, and returns the milliseconds from the spawn to
 * that answer's last byte. Throws if the server exits or takes 20 s.
 *
 * @param {ReturnType<typeof spawnServer>} server
 * @param {{ baseUrl: string, issuer: string }} expected
 * @returns {Promise<number>}
 * @example
 * const ms = await timeToDiscovery(spawnServer({ kind: 'node-http', env }), { baseUrl, issuer: baseUrl });
 */
export async function timeToDiscovery(server, { baseUrl, issuer }) {
  const deadline = server.spawnedAt + START_TIMEOUT_MS;
  let last = 'nothing listening';
  for (;;) {
    if (!server.running()) throw new Error(`${server.kind} exited during start:\n${server.output()}`);
    try {
      const answer = await getDiscovery(baseUrl);
      const answeredAt = performance.now();
      if (answer.status === 200 && issuerOf(answer.body) === issuer) return answeredAt - server.spawnedAt;
      last = `${answer.status} ${answer.body.slice(0, 200)}`;
    } catch (error) {
      if (error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET') throw error;
    }
    if (performance.now() > deadline) throw new Error(`${server.kind}: no discovery answer with issuer ${issuer} within ${START_TIMEOUT_MS / 1000} s (last: ${last}):\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * A process's resident set now (VmRSS) and at its peak so far (VmHWM), from
 * /proc/<pid>/status, in KiB. Linux only.
 *
 * @param {number} pid
 * @returns {{ rssKiB: number, hwmKiB: number }}
 * @example
 * const { rssKiB, hwmKiB } = readMemory(server.pid);
 */
export function readMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

