import { InvalidRequirementError } from './errors.js';
import type { LevelSet } from './levels.js';
import { isMethodId, type MethodId } from './methods.js';

/** An allowed-method entry: a method id, or `phishing_resistant` (any WebAuthn). */
export type MethodConstraint = MethodId | 'phishing_resistant';

/** What an action or a client asks of the session. */
export interface Requirement {
  /** Minimum level name. */
  readonly acr: string;
  /** Seconds: at least one counting event must be this fresh. */
  readonly maxAge?: number;
  /** At least one counting event must use one of these. */
  readonly methods?: readonly MethodConstraint[];
}

/**
 * Validates a requirement against a level set.
 *
 * @param input - a requirement from configuration, a request or a rule
 * @param levels - the configured levels
 * @returns the same requirement, checked
 * @throws {@link InvalidRequirementError} or {@link UnknownLevelError}
 * @example
 * ```ts
 * checkRequirement({ acr: 'aal2', maxAge: 300 }, new LevelSet());
 * ```
 */
export function checkRequirement(input: Requirement, levels: LevelSet): Requirement {
  levels.get(input.acr);
  if (input.maxAge !== undefined && (!Number.isInteger(input.maxAge) || input.maxAge < 0)) {
    throw new InvalidRequirementError('max_age must be a non-negative integer number of seconds');
  }
  for (const method of input.methods ?? []) {
    if (method !== 'phishing_resistant' && !isMethodId(method)) {
      throw new InvalidRequirementError(`unknown method "${String(method)}"`);
    }
  }
  return input;
}
