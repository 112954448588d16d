import type { LevelSet } from '../levels.js';
import { METHOD_IDS, METHODS, type MethodId } from '../methods.js';
import type { MethodConstraint, Requirement } from '../requirement.js';

/** Methods one use of which is phishing-resistant (today: WebAuthn). */
const PHISHING_RESISTANT: readonly MethodId[] = METHOD_IDS.filter(
  (method) => METHODS[method].traitsOf({ method, at: 0, userVerified: true, backedUp: false }).phishingResistant,
);

/**
 * The method ids an allowed-methods list stands for: `phishing_resistant`
 * expands to every phishing-resistant method.
 *
 * @param methods - method ids or `phishing_resistant`
 * @example
 * ```ts
 * expandMethods(['phishing_resistant', 'totp']) // Set { 'webauthn', 'totp' }
 * ```
 */
export function expandMethods(methods: readonly MethodConstraint[]): Set<MethodId> {
  const ids = new Set<MethodId>();
  for (const method of methods) {
    if (method === 'phishing_resistant') for (const id of PHISHING_RESISTANT) ids.add(id);
    else ids.add(method);
  }
  return ids;
}

function intersectMethods(a: readonly MethodConstraint[], b: readonly MethodConstraint[]): MethodConstraint[] {
  const right = expandMethods(b);
  const both = [...expandMethods(a)].filter((method) => right.has(method));
  // Keep the operator's own word when the intersection is exactly it.
  for (const side of [a, b]) {
    if (side.length === 1 && side[0] === 'phishing_resistant' && both.length === PHISHING_RESISTANT.length) return ['phishing_resistant'];
  }
  return both;
}

/**
 * The strictest of two requirements: the higher level (by rank), the
 * smaller `max_age`, and the intersection of allowed methods. An empty
 * intersection means no method can meet both: the caller must deny.
 *
 * @param a - one requirement
 * @param b - the other
 * @param levels - the configured levels, for ranks
 * @example
 * ```ts
 * combineRequirements({ acr: 'aal2', maxAge: 300 }, { acr: 'aal1', maxAge: 0 }, levels) // { acr: 'aal2', maxAge: 0 }
 * ```
 */
export function combineRequirements(a: Requirement, b: Requirement, levels: LevelSet): Requirement {
  const acr = levels.get(a.acr).rank >= levels.get(b.acr).rank ? a.acr : b.acr;
  const maxAge = a.maxAge === undefined ? b.maxAge : b.maxAge === undefined ? a.maxAge : Math.min(a.maxAge, b.maxAge);
  const methods = a.methods === undefined ? b.methods : b.methods === undefined ? a.methods : intersectMethods(a.methods, b.methods);
  return {
    acr,
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(methods === undefined ? {} : { methods }),
  };
}
