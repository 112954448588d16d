/** A clock the test moves by hand, in epoch seconds, shared by the issuer and the guard. */
export interface ManualClock {
  readonly now: () => number;
  advance(seconds: number): void;
}

/** @param start - epoch seconds; default the real time, so tokens still look plausible */
export function manualClock(start = Math.floor(Date.now() / 1000)): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(seconds) {
      current += seconds;
    },
  };
}

/**
 * Polls until `check` holds, for effects the guard starts in the background.
 *
 * @returns whether it held before the deadline
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
