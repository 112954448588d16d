// The sign-in benchmark's system under test: a temporary PostgreSQL, two
// `stepwise serve` processes (packages/cli/dist) on it with the same secret
// keys and issuer, and a round-robin proxy in front of both. The nodes are
// pinned like the other benchmarks' servers (core 0); `placeNode` moves one
// to another core between measurements. PostgreSQL and the proxy inherit
// this process's core, the load generator's.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../packages/server/dist/src/index.js';
import { formatSecretKeys, generateSecretKey } from '../../packages/server/dist/src/crypto/secret-box.js';
import { freePort } from '../../packages/server/dist/test/support/free-port.js';
import { startTemporaryPostgres } from '../../packages/server/dist/test/support/postgres.js';
import { startRoundRobin } from '../../packages/server/dist/test/support/round-robin.js';

const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = path.join(REPO_DIR, 'packages', 'cli', 'dist', 'src', 'bin.js');
const START_TIMEOUT_MS = 20_000;

async function waitUntilUp(node, deadline) {
  for (;;) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) throw new Error(`${node.name} exited during start:\n${node.output()}`);
    try {
      if ((await fetch(`${node.url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${node.name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${node.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function spawnNode({ index, port, env, dataDir, nodeArgs, layout }) {
  const nodeCommand = [process.execPath, ...nodeArgs, CLI_BIN, 'serve'];
  const [command, ...args] = layout.pinned ? ['taskset', '-c', layout.serverCore, ...nodeCommand] : nodeCommand;
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env, STEPWISE_PORT: String(port), STEPWISE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let tail = '';
  const keep = (chunk) => { tail = (tail + chunk.toString('utf8')).slice(-4_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { index, name: `node ${index}`, url: `http://127.0.0.1:${port}`, pid: child.pid, child, exited, output: () => tail };
}

/**
 * Starts PostgreSQL, the proxy and `nodeCount` nodes (one after another:
 * the first creates the signing key and runs the migrations).
 *
 * @param {{ nodeCount: number, layout: { pinned: boolean, serverCore?: string }, cpuProfileDir?: string }} spec
 */
export async function startCluster({ nodeCount, layout, cpuProfileDir }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-signins-'));
  const nodes = [];
  let postgres;
  let proxy;
  let database;
  const stop = async () => {
    // SIGTERM: serve closes cleanly, so --cpu-prof can write its profile.
    for (const node of nodes) if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((node) => node.exited));
    await proxy?.close();
    await database?.close().catch(() => undefined);
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    postgres = await startTemporaryPostgres();
    const ports = [];
    while (ports.length < nodeCount) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    proxy = await startRoundRobin(ports);
    const secretKeys = [generateSecretKey('bench-1')];
    const env = {
      STEPWISE_DATABASE_URL: postgres.url,
      STEPWISE_SECRET_KEYS: formatSecretKeys(secretKeys),
      STEPWISE_ISSUER: proxy.url,
      STEPWISE_HOST: '127.0.0.1',
      STEPWISE_LOG_LEVEL: 'error',
      // The proxy and the load generator are on loopback; X-Forwarded-For names each user's address.
      STEPWISE_TRUST_PROXY: 'loopback',
    };
    for (const [index, port] of ports.entries()) {
      const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=signins-node-${index}.cpuprofile`] : [];
      const node = spawnNode({ index, port, env, dataDir: path.join(dir, `node-${index}`), nodeArgs, layout });
      nodes.push(node);
      await waitUntilUp(node, Date.now() + START_TIMEOUT_MS);
    }
    database = await openDatabase(postgres.url);
    return { nodes, proxy, database, secretKeys, postgresPort: Number(new URL(postgres.url).port), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Pins a running node (every thread, the libuv pool included) to `cores`.
 *
 * @param {{ pid: number }} node
 * @param {string} cores - a taskset list, `0` or `0,1`
 */
export function placeNode(node, cores) {
  execFileSync('taskset', ['-a', '-cp', cores, String(node.pid)], { stdio: 'ignore' });
}
