// Child-process entry of the sign-in benchmark's baselines: raw argon2id
// verifications with @node-rs/argon2 at Stepwise's parameters
// (PASSWORD_HASH_PARAMS, imported so they cannot drift), `concurrency` of
// them in flight at all times, as many as the sign-in load keeps in flight.
// <scheduling> is `pool`: every verification in flight goes straight to the
// libuv pool (4 threads), as a plain caller's would; or `one-per-core`: they
// run at most one per core this process may use, through the same
// HashScheduler as Stepwise's (crypto/passwords.ts; on one core, on the
// event loop between its turns), which is the most one core hashes.
// Pinned like a server, each is the rate one core can hash at that way.
// Usage: node bench/signins/argon2.mjs <concurrency> <warm-up s> <duration s> <pool|one-per-core> [<cores>]
// With <cores> (a taskset list such as `0,1`), the process first moves itself
// there: started from the pinned load generator it would inherit its core.
// Prints `RESULT <json>`: { rate, completed, p50, p99, foreignCores }, rate
// in verifications/s, p50/p99 in ms, foreignCores the cores other processes
// kept busy meanwhile (Linux).

import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { hash, verify, verifySync } from '@node-rs/argon2';
import { PASSWORD_HASH_PARAMS } from '../../packages/server/dist/src/crypto/passwords.js';
import { HashScheduler } from '../../packages/server/dist/src/crypto/hash-scheduler.js';
import { startForeignReading } from '../lib/cpu-time.mjs';
import { percentile } from '../lib/stats.mjs';
import { BENCH_PASSWORD } from './password.mjs';

const SCHEDULINGS = ['pool', 'one-per-core'];
const [concurrencyArg, warmupArg, durationArg, scheduling, cores] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
if (!Number.isSafeInteger(concurrency) || concurrency < 1 || !durationArg || !SCHEDULINGS.includes(scheduling)) {
  console.error('usage: node bench/signins/argon2.mjs <concurrency> <warm-up s> <duration s> <pool|one-per-core> [<cores>]');
  process.exit(2);
}
// Before the first hash starts the libuv pool: its threads inherit this affinity.
if (cores) execFileSync('taskset', ['-a', '-cp', cores, String(process.pid)], { stdio: 'ignore' });
// After the move, so that it counts the cores this process now has.
const scheduler = scheduling === 'one-per-core' ? new HashScheduler(availableParallelism()) : undefined;
const warmupMs = Number(warmupArg) * 1000;
const durationMs = Number(durationArg) * 1000;

// algorithm 2 is Argon2id: the package's enum is an ambient const enum.
const stored = await hash(BENCH_PASSWORD.normalize('NFKC'), { algorithm: 2, ...PASSWORD_HASH_PARAMS });
if (!stored.startsWith(`$argon2id$v=19$m=${PASSWORD_HASH_PARAMS.memoryCost},t=${PASSWORD_HASH_PARAMS.timeCost},p=${PASSWORD_HASH_PARAMS.parallelism}$`)) {
  throw new Error(`unexpected hash parameters: ${stored}`);
}
const verifyOnce = (password) => (scheduler ? scheduler.run(() => verify(stored, password), () => verifySync(stored, password)) : verify(stored, password));

const startedAt = performance.now();
const measureFrom = startedAt + warmupMs;
const measureUntil = measureFrom + durationMs;
const latencies = [];
let stopForeignReading;
setTimeout(() => { stopForeignReading = startForeignReading(); }, warmupMs);

async function verifier() {
  while (performance.now() < measureUntil) {
    const t0 = performance.now();
    // Normalised as verifyPassword does: the same work per sign-in.
    if (!(await verifyOnce(BENCH_PASSWORD.normalize('NFKC')))) throw new Error('argon2id verify refused the right password');
    const t1 = performance.now();
    if (t1 >= measureFrom && t1 <= measureUntil) latencies.push(t1 - t0);
  }
}

await Promise.all(Array.from({ length: concurrency }, verifier));
const foreignCores = stopForeignReading?.();
latencies.sort((a, b) => a - b);
console.log(`RESULT ${JSON.stringify({
  rate: latencies.length / (durationMs / 1000),
  completed: latencies.length,
  p50: percentile(latencies, 50),
  p99: percentile(latencies, 99),
  foreignCores,
})}`);
