import {
  evaluateAssurance,
  nextStep,
  SimpleError,
  StepUpRequiredError,
  type EnrolledAuthenticator,
  type LevelSet,
  type Requirement,
} from '@stepwise/core';
import type { Services } from '../services.js';
import { deleteFactor } from '../storage/factors.js';
import type { SessionState } from './session-state.js';
import { recordFactorChange } from '../audit/events.js';

/** Changing factors needs a second factor used within this many seconds (OWASP ASVS 5, V6/V7). */
export const SENSITIVE_CHANGE_MAX_AGE = 300;

/**
 * The requirement for changing authenticators or recovery details: the
 * weakest multi-factor level, fresh.
 *
 * @param levels - the configured levels
 */
export function sensitiveChangeRequirement(levels: LevelSet): Requirement {
  const multiFactor = [...levels.strongestFirst].reverse().find((level) => level.criteria.factors >= 2);
  return { acr: (multiFactor ?? levels.strongestFirst[0]!).name, maxAge: SENSITIVE_CHANGE_MAX_AGE };
}

/**
 * What a change to this user's sign-in methods needs: a fresh multi-factor
 * step-up, or, for a user who holds no second factor yet (and so cannot
 * reach one), the password typed again within the same five minutes, so a
 * borrowed session alone cannot add an attacker's authenticator.
 *
 * @param services - shared services
 * @param enrolled - the user's authenticators
 */
export function changeRequirement(services: Services, enrolled: readonly EnrolledAuthenticator[]): Requirement {
  const strict = sensitiveChangeRequirement(services.levels);
  if (nextStep([], strict, enrolled, services.levels, services.now()).kind !== 'unreachable') return strict;
  const weakest = services.levels.strongestFirst[services.levels.strongestFirst.length - 1]!;
  return { acr: weakest.name, maxAge: SENSITIVE_CHANGE_MAX_AGE };
}

/**
 * Whether the session may change sign-in methods now.
 *
 * @param services - shared services
 * @param state - the signed-in session
 */
export function hasFreshStepUp(services: Services, state: SessionState): boolean {
  return evaluateAssurance(state.events, changeRequirement(services, state.enrolled), services.levels, services.now()).met;
}

/**
 * Refuses unless the session holds a fresh step-up (see {@link changeRequirement}).
 *
 * @param services - shared services
 * @param state - the signed-in session
 * @throws {@link StepUpRequiredError}
 */
export function requireFreshStepUp(services: Services, state: SessionState): void {
  const requirement = changeRequirement(services, state.enrolled);
  if (!evaluateAssurance(state.events, requirement, services.levels, services.now()).met) {
    throw new StepUpRequiredError(requirement.acr, requirement.maxAge!);
  }
}

/**
 * Removes one of the user's authenticators, only after a fresh step-up.
 *
 * @param services - shared services
 * @param state - the signed-in session
 * @param factorId - the factor to remove
 */
export async function removeFactor(services: Services, state: SessionState, factorId: string): Promise<void> {
  requireFreshStepUp(services, state);
  const factor = state.factors.find((candidate) => candidate.id === factorId);
  if (!factor) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
  await deleteFactor(services.db, factorId);
  await recordFactorChange(services, { change: 'removed', subject: state.user.id, factorId, method: factor.method });
}
