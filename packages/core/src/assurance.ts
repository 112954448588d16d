import type { AuthenticationEvent } from './events.js';
import type { LevelDefinition, LevelSet } from './levels.js';
import { isKnowledgeOnly, traitsOf, type FactorCategory } from './methods.js';
import type { MethodConstraint, Requirement } from './requirement.js';

/** The outcome of judging a session's events against one requirement. */
export interface AssuranceResult {
  /** The requirement (level, freshness, methods) is satisfied. */
  readonly met: boolean;
  /**
   * The highest level the events reach under the requirement's `max_age`
   * (its methods filter does not apply); `null` when none.
   */
  readonly achieved: string | null;
  /** Latest counting event of the achieved level; the token's `auth_time`. */
  readonly authTime: number | null;
  /** RFC 8176 values of the achieved level's counting events, plus `mfa`. */
  readonly amr: readonly string[];
  /** The events that count toward the achieved level. */
  readonly counting: readonly AuthenticationEvent[];
}

/**
 * The counting rule of DESIGN.md: a knowledge-only event counts within the
 * level's lifetime; any other event only within the lifetime and `max_age`.
 * A freshly typed password therefore never refreshes an old second factor.
 *
 * @param events - every event of the session
 * @param level - the level being judged
 * @param maxAge - the requirement's freshness, if any
 * @param now - evaluation time, in seconds
 * @example
 * ```ts
 * countingEvents(events, levels.get('aal2'), 300, Math.floor(Date.now() / 1000));
 * ```
 */
export function countingEvents(
  events: readonly AuthenticationEvent[],
  level: LevelDefinition,
  maxAge: number | undefined,
  now: number,
): AuthenticationEvent[] {
  return events.filter((event) => {
    const age = Math.max(0, now - event.at);
    if (age > level.lifetime) return false;
    return isKnowledgeOnly(event) || maxAge === undefined || age <= maxAge;
  });
}

/**
 * Whether a set of counting events reaches a level, including the rule that
 * under a `max_age` at least one of them lies within it.
 *
 * @param counting - events that count for this level
 * @param level - the level
 * @param maxAge - the requirement's freshness, if any
 * @param now - evaluation time, in seconds
 */
export function reachesLevel(
  counting: readonly AuthenticationEvent[],
  level: LevelDefinition,
  maxAge: number | undefined,
  now: number,
): boolean {
  if (counting.length === 0) return false;
  if (maxAge !== undefined && !counting.some((event) => Math.max(0, now - event.at) <= maxAge)) return false;
  const categories = new Set<FactorCategory>();
  let phishingResistant = false;
  let hardwareBound = false;
  for (const event of counting) {
    const traits = traitsOf(event);
    for (const category of traits.categories) categories.add(category);
    phishingResistant ||= traits.phishingResistant;
    hardwareBound ||= traits.hardwareBound;
  }
  const { criteria } = level;
  return (
    categories.size >= criteria.factors &&
    (!criteria.phishingResistant || phishingResistant) &&
    (!criteria.hardwareBound || hardwareBound)
  );
}

/**
 * Whether an event satisfies an allowed-methods list.
 *
 * @param event - the event
 * @param allowed - method ids or `phishing_resistant`
 */
export function usesAllowedMethod(event: AuthenticationEvent, allowed: readonly MethodConstraint[]): boolean {
  return allowed.some((entry) =>
    entry === 'phishing_resistant' ? traitsOf(event).phishingResistant : entry === event.method,
  );
}

/**
 * The RFC 8176 `amr` of a set of counting events: each method's values, and
 * `mfa` when they span two or more factor categories.
 *
 * @param counting - the counting events
 * @example
 * ```ts
 * amrOf([{ method: 'password', at: 1 }, { method: 'totp', at: 2 }]) // ['pwd', 'otp', 'mfa']
 * ```
 */
export function amrOf(counting: readonly AuthenticationEvent[]): string[] {
  const values = new Set<string>();
  const categories = new Set<FactorCategory>();
  for (const event of counting) {
    const traits = traitsOf(event);
    for (const value of traits.amr) values.add(value);
    for (const category of traits.categories) categories.add(category);
  }
  if (categories.size >= 2) values.add('mfa');
  return [...values];
}

/**
 * Judges a session's events against a requirement: whether it is met, the
 * highest level reached under its `max_age`, and the `auth_time` and `amr`
 * that a token for it must carry. Assurance decays by itself: the same
 * events give less as `now` moves on.
 *
 * @param events - every event of the session
 * @param requirement - level, freshness and allowed methods
 * @param levels - the configured levels
 * @param now - evaluation time, in seconds since the epoch
 * @example
 * ```ts
 * const result = evaluateAssurance(
 *   [{ method: 'password', at: now - 7200 }, { method: 'totp', at: now - 10 }],
 *   { acr: 'aal2', maxAge: 300 },
 *   new LevelSet(),
 *   now,
 * );
 * result.met // true: the old password still counts, the TOTP is fresh
 * ```
 */
export function evaluateAssurance(
  events: readonly AuthenticationEvent[],
  requirement: Requirement,
  levels: LevelSet,
  now: number,
): AssuranceResult {
  const target = levels.get(requirement.acr);
  const { maxAge } = requirement;

  let achievedLevel: LevelDefinition | null = null;
  let achievedCounting: AuthenticationEvent[] = [];
  for (const level of levels.strongestFirst) {
    const counting = countingEvents(events, level, maxAge, now);
    if (reachesLevel(counting, level, maxAge, now)) {
      achievedLevel = level;
      achievedCounting = counting;
      break;
    }
  }

  const targetCounting = countingEvents(events, target, maxAge, now);
  const met =
    achievedLevel !== null &&
    achievedLevel.rank >= target.rank &&
    reachesLevel(targetCounting, target, maxAge, now) &&
    (requirement.methods === undefined ||
      targetCounting.some((event) => usesAllowedMethod(event, requirement.methods ?? [])));

  return {
    met,
    achieved: achievedLevel?.name ?? null,
    authTime: achievedCounting.length > 0 ? Math.max(...achievedCounting.map((event) => event.at)) : null,
    amr: amrOf(achievedCounting),
    counting: achievedCounting,
  };
}
