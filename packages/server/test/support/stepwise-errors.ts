// Assertions on the typed errors flows throw: a StepwiseError with a stable
// code (and, where it matters, its details).
import assert from 'node:assert/strict';
import { StepwiseError, type ErrorCode } from '@stepwise/core';

/**
 * A validation function for `assert.rejects` / `assert.throws`: the error is
 * a StepwiseError with `code`, and carries each of `details`.
 */
export function withCode(code: ErrorCode, details: Record<string, unknown> = {}): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof StepwiseError, `expected a StepwiseError, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const [key, value] of Object.entries(details)) assert.deepEqual(error.details[key], value, key);
    return true;
  };
}

/** Awaits `promise` and asserts it rejects as {@link withCode} describes. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, details: Record<string, unknown> = {}): Promise<void> {
  await assert.rejects(promise, withCode(code, details));
}
