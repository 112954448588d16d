import { evaluateAssurance, SimpleError, StepUpRequiredError, type LevelSet, type Requirement } from '@stepwise/core';
import type { Services } from '../services.js';
import { deleteFactor } from '../storage/factors.js';
import type { SessionState } from './session-state.js';

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
 * Refuses unless the session holds a fresh multi-factor step-up.
 *
 * @param services - shared services
 * @param state - the signed-in session
 * @throws {@link StepUpRequiredError}
 */
export function requireFreshStepUp(services: Services, state: SessionState): void {
  const requirement = sensitiveChangeRequirement(services.levels);
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
  if (!state.factors.some((factor) => factor.id === factorId)) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
  await deleteFactor(services.db, factorId);
}
