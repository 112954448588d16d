// Resident memory under sign-ins: one `stepwise serve` on SQLite, its users
// seeded into the database before it starts, signs in `signIns` different
// users with their passwords (argon2id-verified, a new session each) from
// `concurrency` virtual browsers in a closed loop, after a warm-up of other
// users. VmRSS and VmHWM are read from /proc right after the start, after
// the warm-up and every `every` sign-ins. Every sign-in must complete.

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../packages/server/dist/src/index.js';
import { formatSecretKeys, generateSecretKey } from '../../packages/server/dist/src/crypto/secret-box.js';
import { freePort } from '../../packages/server/dist/test/support/free-port.js';
import { startCpuReading } from '../lib/cpu-time.mjs';
import { openBrowser } from '../signins/sign-in.mjs';
import { seedUsers } from '../signins/users.mjs';
import { readMemory, spawnServer, timeToDiscovery } from './process.mjs';
import { signedIn, signInWithPassword } from './sign-in.mjs';

const MiB = (kib) => (kib / 1024).toFixed(1);

/**
 * Signs `users` in, one after another from each of `browsers`, calling
 * `onSignIn(count)` after each completed one. Throws on the first that
 * does not complete.
 */
async function signInAll({ label, browsers, users, onSignIn }) {
  let next = 0;
  let count = 0;
  let failed = false;
  const loop = async (browser) => {
    while (next < users.length && !failed) {
      const user = users[next++];
      const answer = await signInWithPassword(browser, user).catch((error) => {
        failed = true;
        throw error;
      });
      if (!signedIn(answer)) {
        // The other browsers stop too: the run is over.
        failed = true;
        throw new Error(`${label}: the sign-in of ${user.username} did not complete: POST /login answered ${answer.status} ${answer.location ?? ''} ${answer.body.slice(0, 200)}`);
      }
      count += 1;
      onSignIn?.(count);
    }
  };
  await Promise.all(browsers.map(loop));
}

/** A right password signs in; a wrong one is refused (401): the run measures real verifications. */
async function checkAnswers(browser, [right, wrong]) {
  const refused = await signInWithPassword(browser, wrong, { password: 'not the password' });
  if (refused.status !== 401) throw new Error(`footprint: a wrong password: expected 401, got ${refused.status} ${refused.body.slice(0, 200)}`);
  const accepted = await signInWithPassword(browser, right);
  if (!signedIn(accepted)) throw new Error(`footprint: the right password: expected 303 with a session, got ${accepted.status} ${accepted.location ?? ''} ${accepted.body.slice(0, 200)}`);
}

/**
 * One memory run on a fresh server.
 *
 * @param {{ signIns: number, warmup: number, every: number, concurrency: number, cores?: string }} spec
 *   cores: a taskset list for the server; absent runs it unpinned
 * @returns {Promise<{ seedSeconds: number, samples: Array<{ point: string, signIns: number, seconds: number, rssKiB: number, hwmKiB: number, rate?: number, cpuMsPerSignIn?: number, foreignCores?: number }>, peakKiB: number, signInSeconds: number }>}
 *   samples: `start` (first discovery answer), `after warm-up`, `under
 *   load` every `every` sign-ins, `after the last`; seconds since the
 *   first of them; since the previous sample (Linux CPU figures only):
 *   sign-ins/s, the server's CPU ms per sign-in, the cores other processes
 *   kept busy
 * @example
 * const run = await runMemory({ signIns: 10_000, warmup: 500, every: 1_000, concurrency: 16, cores: '0,1' });
 */
export async function runMemory({ signIns, warmup, every, concurrency, cores }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-footprint-memory-'));
  const dataDir = path.join(dir, 'data');
  const secretKeys = [generateSecretKey('bench-1')];
  let server;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const seedStarted = performance.now();
    const database = await openDatabase(`sqlite:${path.join(dataDir, 'stepwise.db')}`);
    let seeded;
    try {
      seeded = await seedUsers(database.db, { count: 2 + warmup + signIns, prefix: 'bench', secretKeys });
    } finally {
      await database.close();
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`footprint memory: ${seeded.length} users seeded into SQLite in ${seedSeconds.toFixed(1)} s`);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    server = spawnServer({
      kind: 'stepwise',
      cores,
      env: {
        STEPWISE_PORT: String(port),
        STEPWISE_HOST: '127.0.0.1',
        STEPWISE_ISSUER: baseUrl,
        STEPWISE_DATA_DIR: dataDir,
        STEPWISE_SECRET_KEYS: formatSecretKeys(secretKeys),
        STEPWISE_LOG_LEVEL: 'error',
        // The load generator is on loopback; X-Forwarded-For names each user's address.
        STEPWISE_TRUST_PROXY: 'loopback',
      },
    });
    await timeToDiscovery(server, { baseUrl, issuer: baseUrl });
    const startedAt = performance.now();
    const samples = [];
    let stopCpuReading = startCpuReading(server.pid);
    const sample = (point, count) => {
      const seconds = (performance.now() - startedAt) / 1000;
      const memoryNow = readMemory(server.pid);
      const cpu = stopCpuReading();
      stopCpuReading = startCpuReading(server.pid);
      const previous = samples.at(-1);
      const reading = { point, signIns: count, seconds, ...memoryNow };
      if (previous && count > previous.signIns) {
        reading.rate = (count - previous.signIns) / (seconds - previous.seconds);
        if (cpu) Object.assign(reading, { cpuMsPerSignIn: (cpu.serverCpuSeconds * 1000) / (count - previous.signIns), foreignCores: cpu.foreignCores });
      }
      samples.push(reading);
      const { rssKiB, hwmKiB, rate, cpuMsPerSignIn, foreignCores } = reading;
      const speed = rate === undefined ? '' : `, ${rate.toFixed(0)} sign-ins/s`;
      const cost = cpuMsPerSignIn === undefined ? '' : `, server CPU ${cpuMsPerSignIn.toFixed(1)} ms/sign-in, others busy ${foreignCores.toFixed(2)} cores`;
      console.log(`footprint memory: ${point}, ${count} sign-ins: RSS ${MiB(rssKiB)} MiB, peak ${MiB(hwmKiB)} MiB${speed}${cost}`);
    };
    sample('start', 0);

    const browsers = await Promise.all(Array.from({ length: concurrency }, () => openBrowser(agent, baseUrl)));
    await checkAnswers(browsers[0], seeded.slice(0, 2));
    await signInAll({ label: 'warm-up', browsers, users: seeded.slice(2, 2 + warmup) });
    sample('after warm-up', 0);

    const measuredFrom = performance.now();
    await signInAll({
      label: 'footprint memory',
      browsers,
      users: seeded.slice(2 + warmup),
      onSignIn: (count) => {
        if (count === signIns) sample('after the last', count);
        else if (count % every === 0) sample('under load', count);
      },
    });
    const signInSeconds = (performance.now() - measuredFrom) / 1000;
    return { seedSeconds, samples, peakKiB: readMemory(server.pid).hwmKiB, signInSeconds };
  } finally {
    agent.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
