// Load measurement on loopback with autocannon. With two cores or more, each
// target server runs in a child process pinned to core 0 and the load
// generator (this process) to core 1, so the server never competes with
// autocannon for CPU; without `taskset` both run unpinned and the report says so.

import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { startCpuReading } from './cpu-time.mjs';
import { percentile } from './stats.mjs';

const SERVER_CORE = '0';
const LOAD_CORE = '1';
const READY_TIMEOUT_MS = 15_000;

function hasTaskset() {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides the core layout and pins this process (the load generator) to its core.
 * Call once before starting servers.
 *
 * @returns {{ pinned: boolean, cores: number, serverCore?: string, loadCore?: string, note: string }} cores: available before pinning
 */
export function pinLoadGenerator() {
  const cores = os.availableParallelism();
  if (cores < 2) return { pinned: false, cores, note: `not pinned: ${cores} core available, server and autocannon share it` };
  if (!hasTaskset()) return { pinned: false, cores, note: 'not pinned: taskset is absent, server and autocannon float over all cores' };
  // -a: every thread of this process, the libuv pool included.
  execFileSync('taskset', ['-a', '-cp', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  return {
    pinned: true,
    cores,
    serverCore: SERVER_CORE,
    loadCore: LOAD_CORE,
    note: `server child on core ${SERVER_CORE} (taskset -c ${SERVER_CORE}), autocannon on core ${LOAD_CORE}`,
  };
}

/**
 * Starts a target server in a child process and waits for its `READY <port>` line.
 *
 * @param {{ name: string, entry: string, args?: string[], nodeArgs?: string[], layout: { pinned: boolean }, readyTimeoutMs?: number }} spec
 *   readyTimeoutMs: how long to wait for READY (default 15 s), for servers that seed much first
 * @returns {Promise<{ name: string, url: string, pid: number, stop: () => Promise<void> }>}
 * @example
 * const server = await startServer({ name: 'guard', entry: 'bench/guard/servers.mjs', args: ['guard', issuer, audience], layout });
 */
export async function startServer({ name, entry, args = [], nodeArgs = [], layout, readyTimeoutMs = READY_TIMEOUT_MS }) {
  const nodeCommand = [process.execPath, ...nodeArgs, entry, ...args];
  const [command, ...commandArgs] = layout.pinned ? ['taskset', '-c', SERVER_CORE, ...nodeCommand] : nodeCommand;
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no READY line within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      } else {
        console.log(`  [${name}] ${line}`);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name}: server exited before READY (code ${code}, signal ${signal})`));
    });
  });

  let port;
  try {
    port = await ready;
  } catch (error) {
    // A server that never became ready must not outlive the run.
    child.kill('SIGKILL');
    throw error;
  }

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}

/**
 * Runs a measurement that is not a server (a micro-benchmark) in a child
 * process pinned like the servers, and returns what its last `RESULT <json>`
 * line says. Other lines are echoed, prefixed with the name.
 *
 * @param {{ name: string, entry: string, args?: string[], nodeArgs?: string[], layout: { pinned: boolean } }} spec
 * @returns {Promise<unknown>} the parsed JSON
 * @example
 * const figures = await runPinned({ name: 'cel', entry: 'bench/policy/evaluate.mjs', args: ['cel', '2', '10'], layout });
 */
export async function runPinned({ name, entry, args = [], nodeArgs = [], layout }) {
  const nodeCommand = [process.execPath, ...nodeArgs, entry, ...args];
  const [command, ...commandArgs] = layout.pinned ? ['taskset', '-c', SERVER_CORE, ...nodeCommand] : nodeCommand;
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let result;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('RESULT ')) result = line.slice('RESULT '.length);
    else console.log(`  [${name}] ${line}`);
  });
  const { code, signal } = await new Promise((resolve) => child.once('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })));
  if (code !== 0 || result === undefined) throw new Error(`${name}: exited with code ${code}, signal ${signal}${result === undefined ? ', no RESULT line' : ''}`);
  return JSON.parse(result);
}

/**
 * Measures one target: a warm-up, then the measured run. Every response of
 * the measured run must carry `expectStatus`, else it throws: a benchmark of
 * the wrong answer is worse than none.
 *
 * Latency percentiles come from autocannon's per-response timings (float
 * milliseconds); its own histogram rounds to whole milliseconds, too coarse
 * to compare p99s of 2 to 5 ms.
 *
 * @param {{ label: string, url: string, serverPid: number, method?: string, headers: Record<string, string>, body?: string, requests?: object[], signal?: AbortSignal, expectStatus: number, durationSeconds: number, warmupSeconds: number, connections: number }} target
 *   method and body default to a bodiless GET; `requests` (optional) is
 *   autocannon's request list, for requests that differ one from the next
 *   (`setupRequest`) or answers checked one by one (`onResponse`); `signal`
 *   (optional) stops the warm-up or measured run early when aborted (the
 *   figures then cover a shorter window: the caller decides what they are worth)
 * @returns {Promise<{ rps: number, p50: number, p99: number, requests: number, cpuUsPerRequest?: number, foreignCores?: number }>}
 *   rps is the mean of autocannon's per-second samples; p50/p99 in ms; CPU
 *   figures (Linux only) are the server's CPU µs per request and the cores
 *   other processes kept busy meanwhile
 */
export async function measure({ label, url, serverPid, method = 'GET', headers, body, requests, signal, expectStatus, durationSeconds, warmupSeconds, connections }) {
  const base = { url, method, headers, ...(body === undefined ? {} : { body }), ...(requests === undefined ? {} : { requests }), connections, excludeErrorStats: false };
  const stoppable = (run) => {
    if (signal?.aborted) run.stop();
    else signal?.addEventListener('abort', () => run.stop(), { once: true });
    return run;
  };
  if (warmupSeconds > 0) await stoppable(autocannon({ ...base, duration: warmupSeconds }));

  const latencies = [];
  const stopCpuReading = startCpuReading(serverPid);
  const run = stoppable(autocannon({ ...base, duration: durationSeconds }));
  run.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await run;
  const cpu = stopCpuReading();

  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, Number(count)]));
  const unexpected = Object.keys(statuses).filter((status) => Number(status) !== expectStatus);
  if (unexpected.length > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${label}: expected every response to be ${expectStatus}, got statuses ${JSON.stringify(statuses)}, ` +
        `${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests: latencies.length,
    cpuUsPerRequest: cpu && (cpu.serverCpuSeconds * 1e6) / latencies.length,
    foreignCores: cpu?.foreignCores,
  };
}
