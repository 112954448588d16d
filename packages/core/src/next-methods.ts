import { evaluateAssurance } from './assurance.js';
import type { AuthenticationEvent } from './events.js';
import type { LevelSet } from './levels.js';
import type { MethodId } from './methods.js';
import type { Requirement } from './requirement.js';

/** An authenticator the user holds, described as the event a use of it would produce. */
export interface EnrolledAuthenticator {
  readonly method: MethodId;
  readonly authenticatorId?: string;
  readonly userVerified?: boolean;
  readonly backedUp?: boolean;
}

/** What the user should be asked for next to meet a requirement. */
export type NextStep =
  | { readonly kind: 'met' }
  /** Any one of these methods, used now, meets the requirement or gets closer to it. */
  | { readonly kind: 'ask'; readonly methods: readonly MethodId[]; readonly completes: boolean }
  /** No enrolled authenticator can meet it: the user must enroll one (or the request fails). */
  | { readonly kind: 'unreachable' };

/**
 * Chooses what to ask for: only the missing factor. It tries each enrolled
 * authenticator as if used now, then pairs of them, so a user with an old
 * password and a TOTP app who needs "aal2 within 5 minutes" is asked for the
 * TOTP code only.
 *
 * @param events - the session's events
 * @param requirement - what is needed
 * @param enrolled - authenticators the user holds
 * @param levels - the configured levels
 * @param now - seconds since the epoch
 * @example
 * ```ts
 * nextStep(events, { acr: 'aal2' }, [{ method: 'password' }, { method: 'totp' }], levels, now)
 * // { kind: 'ask', methods: ['totp'], completes: true }
 * ```
 */
export function nextStep(
  events: readonly AuthenticationEvent[],
  requirement: Requirement,
  enrolled: readonly EnrolledAuthenticator[],
  levels: LevelSet,
  now: number,
): NextStep {
  if (evaluateAssurance(events, requirement, levels, now).met) return { kind: 'met' };
  const used = (authenticator: EnrolledAuthenticator): AuthenticationEvent => ({ ...authenticator, at: now });
  const meets = (extra: AuthenticationEvent[]): boolean =>
    evaluateAssurance([...events, ...extra], requirement, levels, now).met;

  const completing = unique(enrolled.filter((a) => meets([used(a)])).map((a) => a.method));
  if (completing.length > 0) return { kind: 'ask', methods: completing, completes: true };

  const firstOfPairs: MethodId[] = [];
  for (const first of enrolled) {
    for (const second of enrolled) {
      if (first !== second && meets([used(first), used(second)])) firstOfPairs.push(first.method);
    }
  }
  if (firstOfPairs.length > 0) return { kind: 'ask', methods: unique(firstOfPairs), completes: false };
  return { kind: 'unreachable' };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
