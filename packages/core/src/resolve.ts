import { evaluateAssurance } from './assurance.js';
import type { AuthenticationEvent } from './events.js';
import type { LevelSet } from './levels.js';
import type { MethodId } from './methods.js';
import { nextStep, type EnrolledAuthenticator } from './next-methods.js';
import type { MethodConstraint, Requirement } from './requirement.js';

/** What a sign-in request asks for: acceptable levels, freshness, methods. */
export interface AssuranceRequest {
  /** Acceptable levels (OIDC `acr_values` or essential `acr` values); empty = any level. */
  readonly acceptable: readonly string[];
  /** OIDC `max_age`, in seconds. */
  readonly maxAge?: number;
  readonly methods?: readonly MethodConstraint[];
}

/** The decision for one sign-in request. */
export type Resolution =
  /** Met: issue tokens with these claims. */
  | { readonly kind: 'finish'; readonly acr: string; readonly amr: readonly string[]; readonly authTime: number }
  /** Ask for one of these methods now (only what is missing). */
  | {
      readonly kind: 'ask';
      readonly requirement: Requirement;
      readonly methods: readonly MethodId[];
      /** The user's authenticators that can be used now (see {@link nextStep}). */
      readonly authenticators: readonly EnrolledAuthenticator[];
      readonly completes: boolean;
    }
  /** No enrolled authenticator can reach even the weakest acceptable level. */
  | { readonly kind: 'unreachable'; readonly requirement: Requirement };

/**
 * Resolves a request against a session. Acceptable levels are tried from the
 * strongest down, so `acr_values="aal2 aal1"` gets aal2 when the user holds a
 * second factor (asking for it if needed) and aal1 otherwise. The token's
 * `acr` is the level asked for when levels were named, else the highest the
 * session reaches; `auth_time` and `amr` come from the counting events.
 *
 * @param events - the session's events (empty before sign-in)
 * @param request - the acceptable levels and freshness
 * @param enrolled - the user's authenticators
 * @param levels - the configured levels
 * @param now - seconds since the epoch
 * @example
 * ```ts
 * resolveAssurance(events, { acceptable: ['aal2', 'aal1'] }, enrolled, levels, now);
 * ```
 */
export function resolveAssurance(
  events: readonly AuthenticationEvent[],
  request: AssuranceRequest,
  enrolled: readonly EnrolledAuthenticator[],
  levels: LevelSet,
  now: number,
): Resolution {
  const named = request.acceptable.filter((name) => levels.has(name));
  const candidates = named.length > 0
    ? [...new Set(named)].sort((a, b) => levels.get(b).rank - levels.get(a).rank)
    : [levels.strongestFirst[levels.strongestFirst.length - 1]!.name];

  for (const acr of candidates) {
    const requirement: Requirement = { acr, maxAge: request.maxAge, methods: request.methods };
    const result = evaluateAssurance(events, requirement, levels, now);
    if (result.met && result.authTime !== null) {
      return { kind: 'finish', acr: named.length > 0 ? acr : result.achieved ?? acr, amr: result.amr, authTime: result.authTime };
    }
    const step = nextStep(events, requirement, enrolled, levels, now);
    if (step.kind === 'ask') {
      return { kind: 'ask', requirement, methods: step.methods, authenticators: step.authenticators, completes: step.completes };
    }
  }
  const weakest = candidates[candidates.length - 1]!;
  const strongest = candidates[0]!;
  return {
    kind: 'unreachable',
    requirement: { acr: named.length > 0 ? strongest : weakest, maxAge: request.maxAge, methods: request.methods },
  };
}

/**
 * Whether enrolling one more authenticator of `method` would let the user
 * meet the requirement (used to lead a user without a second factor to
 * enrollment instead of failing).
 *
 * @param events - the session's events
 * @param requirement - the unreachable requirement
 * @param enrolled - current authenticators
 * @param candidate - the authenticator that would be enrolled
 * @param levels - the configured levels
 * @param now - seconds since the epoch
 */
export function enrollmentWouldHelp(
  events: readonly AuthenticationEvent[],
  requirement: Requirement,
  enrolled: readonly EnrolledAuthenticator[],
  candidate: EnrolledAuthenticator,
  levels: LevelSet,
  now: number,
): boolean {
  return nextStep(events, requirement, [...enrolled, candidate], levels, now).kind !== 'unreachable';
}
