import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TaskSlots } from './task-slots.js';

/**
 * Where a {@link HashScheduler} runs its hashes: on libuv's thread pool, or
 * on the event loop itself between its turns.
 */
export type HashPlacement = 'pool' | 'event-loop';

/**
 * Schedules password hashes (argon2id, 19 MiB each) so that they do not
 * fight each other or the rest of the server for a core's caches.
 *
 * - At most one hash per core runs at once; the others wait in arrival
 *   order. Left to libuv's pool (4 threads), several hashes would
 *   time-share a core and evict each other's memory: one core then
 *   verifies about half as many passwords per second.
 * - On one core, hashes run on the event loop, one per turn, after the
 *   turn's I/O. A pool thread would buy no parallelism there, only
 *   switches: the event loop wakes for each database reply and request
 *   while the hash runs, and each wake evicts the hash's memory and then
 *   its own. Measured on one core under sign-in load, that costs a fifth of
 *   a sign-in's CPU time. The price is a turn that lasts one hash (about
 *   10 ms) while a hash is due.
 *
 * @example
 * ```ts
 * const scheduler = new HashScheduler();
 * const ok = await scheduler.run(() => verify(stored, password), () => verifySync(stored, password));
 * ```
 */
export class HashScheduler {
  /** Where hashes run: `event-loop` on one core, `pool` on more. */
  readonly placement: HashPlacement;
  readonly #slots: TaskSlots;

  /**
   * @param cores - the cores this process may use; read once, by default
   *   from `os.availableParallelism()` (which honours `taskset` and cpusets)
   * @throws {RangeError} when `cores` is not a positive integer
   */
  constructor(cores: number = availableParallelism()) {
    this.#slots = new TaskSlots(cores);
    this.placement = cores === 1 ? 'event-loop' : 'pool';
  }

  /** Hashes waiting for their turn now. */
  get waiting(): number {
    return this.#slots.waiting;
  }

  /**
   * Runs one hash when its turn comes.
   *
   * @param onPool - the hash as a promise of work on libuv's pool
   * @param onEventLoop - the same hash done synchronously
   * @returns the hash's outcome, or its error
   */
  run<T>(onPool: () => Promise<T>, onEventLoop: () => T): Promise<T> {
    if (this.placement === 'pool') return this.#slots.run(onPool);
    return this.#slots.run(async () => {
      // The turn's pending I/O goes first, so requests are answered between hashes.
      await nextTurn();
      return onEventLoop();
    });
  }
}
