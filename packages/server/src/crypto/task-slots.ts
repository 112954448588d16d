/**
 * Runs at most `size` tasks at once; the others wait their turn in arrival
 * order. Password hashing goes through one of these (see `passwords.ts`).
 *
 * @example
 * ```ts
 * const slots = new TaskSlots(2);
 * const results = await Promise.all(jobs.map((job) => slots.run(job)));
 * ```
 */
export class TaskSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  /**
   * @param size - how many tasks may run at once, at least 1
   * @throws {RangeError} when `size` is not a positive integer
   */
  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`TaskSlots size must be a positive integer, got ${size}`);
    this.#free = size;
  }

  /** Tasks waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `task` once a slot is free and frees the slot when it settles.
   *
   * @param task - the work; its promise's outcome is this call's
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, never back to the pool first.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    }
  }
}
