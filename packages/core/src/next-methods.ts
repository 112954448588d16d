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
  /**
   * Any one of these methods, used now, meets the requirement or gets closer
   * to it; `authenticators` says which of the user's authenticators can (a
   * synced passkey does not help toward a level that needs a device-bound one).
   */
  | {
      readonly kind: 'ask';
      readonly methods: readonly MethodId[];
      readonly authenticators: readonly EnrolledAuthenticator[];
      readonly completes: boolean;
    }
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

  const completing = enrolled.filter((a) => meets([used(a)]));
  if (completing.length > 0) return ask(completing, true);

  const firstOfPairs = enrolled.filter((first) => enrolled.some((second) => first !== second && meets([used(first), used(second)])));
  if (firstOfPairs.length > 0) return ask(firstOfPairs, false);
  return { kind: 'unreachable' };
}

function ask(authenticators: EnrolledAuthenticator[], completes: boolean): NextStep {
  return { kind: 'ask', methods: [...new Set(authenticators.map((a) => a.method))], authenticators, completes };
}
