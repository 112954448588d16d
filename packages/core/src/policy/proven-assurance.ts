import type { LevelSet } from '../levels.js';
import type { Requirement } from '../requirement.js';
import { expandMethods } from './combine-requirements.js';
import type { MethodId } from '../methods.js';

/** What a token (ID token, access token, step-up receipt) proves. */
export interface ProvenAssurance {
  readonly acr?: string | undefined;
  readonly amr?: readonly string[] | undefined;
  /** Seconds since the epoch. */
  readonly authTime?: number | undefined;
}

/** Whether a proof meets a requirement, and if not, why. */
export type ProofJudgement =
  | { readonly met: true }
  | { readonly met: false; readonly reason: 'no_proof' | 'level_too_low' | 'too_old' | 'method_not_allowed'; readonly message: string };

// The amr values one use of each method can show: an allowed method is shown by any of them.
const AMR_OF_METHOD: Readonly<Record<MethodId, readonly string[]>> = {
  password: ['pwd'],
  totp: ['otp'],
  email_otp: ['otp'],
  sms_otp: ['sms'],
  recovery_code: ['otp'],
  webauthn: ['hwk', 'swk'],
};

/**
 * Judges what a verified token proves against a requirement, as a resource
 * server would: the token's level ranks at least the required one; its
 * `auth_time` lies within the required level's lifetime and the `max_age`
 * (with clock tolerance); its `amr` shows an allowed method. A token shows
 * only `amr` values, so `otp` stands for any code method.
 *
 * @param proof - claims of a verified token, or undefined when there is none
 * @param requirement - what is required
 * @param levels - the configured levels
 * @param now - seconds since the epoch
 * @param toleranceSeconds - clock skew allowed
 * @example
 * ```ts
 * judgeProof({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], authTime: now - 60 }, { acr: 'aal2', maxAge: 300 }, levels, now) // { met: true }
 * ```
 */
export function judgeProof(
  proof: ProvenAssurance | undefined,
  requirement: Requirement,
  levels: LevelSet,
  now: number,
  toleranceSeconds = 5,
): ProofJudgement {
  if (!proof || proof.acr === undefined || proof.authTime === undefined) {
    return { met: false, reason: 'no_proof', message: 'no token proves an authentication' };
  }
  const required = levels.get(requirement.acr);
  if (!levels.has(proof.acr) || levels.get(proof.acr).rank < required.rank) {
    return { met: false, reason: 'level_too_low', message: `the token shows ${proof.acr}; ${requirement.acr} is required` };
  }
  const age = now - proof.authTime;
  if (age > required.lifetime + toleranceSeconds || (requirement.maxAge !== undefined && age > requirement.maxAge + toleranceSeconds)) {
    return { met: false, reason: 'too_old', message: `the authentication is ${Math.max(0, age)} s old` };
  }
  if (requirement.methods !== undefined) {
    const shown = new Set(proof.amr ?? []);
    const allowed = [...expandMethods(requirement.methods)];
    if (!allowed.some((method) => AMR_OF_METHOD[method].some((value) => shown.has(value)))) {
      return { met: false, reason: 'method_not_allowed', message: `one of ${requirement.methods.join(', ')} is required` };
    }
  }
  return { met: true };
}
