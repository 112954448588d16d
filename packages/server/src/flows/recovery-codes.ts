import { randomUUID } from 'node:crypto';
import { CodeReusedError, InvalidCodeError, SimpleError, type AuthenticationEvent } from '@stepwise/core';
import { keyedHash, matchesKeyedHash } from '../crypto/keyed-hash.js';
import {
  RECOVERY_CODE_COUNT,
  formatRecoveryCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
} from '../factors/recovery-codes.js';
import type { Services } from '../services.js';
import { deleteFactor, touchFactor, type Factor } from '../storage/factors.js';
import {
  countUnusedRecoveryCodes,
  listRecoveryCodes,
  replaceRecoveryCodes,
  useRecoveryCode,
} from '../storage/recovery-codes.js';
import type { User } from '../storage/users.js';
import { chargeFailure, clearAccountFailures, refuseExhaustedAttempts, type AttemptScope } from './totp-verification.js';
import { recordFactorChange } from '../audit/events.js';

const HASH_PURPOSE = 'recovery code';

/**
 * The value a code is hashed as. The factor id inside it means a hash copied
 * into another user's set (or an old set) never matches there.
 */
function hashInput(factorId: string, normalized: string): string {
  return `${factorId}\n${normalized}`;
}

/** The user's usable sets: normally one; two only if two regenerations raced. */
function recoveryFactorsOf(factors: readonly Factor[], userId?: string): Factor[] {
  return factors.filter(
    (factor) =>
      factor.method === 'recovery_code' &&
      factor.confirmedAt !== null &&
      // A caller that hands in someone else's factors must not let this user in with them.
      (userId === undefined || factor.userId === userId),
  );
}

/**
 * Makes a new set of recovery codes for a user and replaces any earlier set:
 * the old codes stop working at once. Only keyed hashes are stored, so this
 * is the one time the codes can be shown. Callers must have required a fresh
 * step-up first, as for any change to a user's factors.
 *
 * @param services - shared services
 * @param user - the signed-in user
 * @returns the {@link RECOVERY_CODE_COUNT} codes, formatted `XXXX-XXXX-XXXX-XXXX`
 * @example
 * ```ts
 * const codes = await generateRecoveryCodes(services, user);
 * // ['7K2Q-W9ZX-M4T0-HB8R', …] — render once, never store
 * ```
 */
export async function generateRecoveryCodes(services: Services, user: User): Promise<string[]> {
  const factorId = randomUUID();
  const codes = new Set<string>();
  // A repeat among ten 80-bit codes will not happen; the set makes "ten
  // distinct codes" a guarantee rather than a likelihood.
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(generateRecoveryCode());
  const normalized = [...codes];
  await replaceRecoveryCodes(services.db, {
    userId: user.id,
    factorId,
    hashes: normalized.map((code) => keyedHash(services.secretKeys, HASH_PURPOSE, hashInput(factorId, code))),
    now: services.now(),
  });
  services.logger.info({ userId: user.id, factorId }, 'recovery codes generated');
  await recordFactorChange(services, { change: 'enrolled', subject: user.id, factorId, method: 'recovery_code' });
  return normalized.map(formatRecoveryCode);
}

/** What using a recovery code gives: the event to record and how many codes are left. */
export interface RecoveryCodeUse {
  /** The `recovery_code` authentication event, its authenticator the factor id. */
  readonly event: AuthenticationEvent;
  /** Unused codes left in the set; 0 means the set is gone and a new one is needed. */
  readonly remaining: number;
}

/**
 * Verifies a recovery code and uses it up. Each code is accepted once: the
 * check-and-set is one atomic UPDATE, so two nodes cannot both accept it.
 * Wrong and reused codes count toward the same per-step-up and per-account
 * limits as TOTP codes. When the last code is used the factor is deleted,
 * so an exhausted set no longer counts as an authenticator.
 *
 * @param services - shared services
 * @param input - the user's factors, the code as typed, and the attempt scope
 * @returns the authentication event and the number of codes left
 * @throws {@link InvalidCodeError}, {@link CodeReusedError}, `TooManyAttemptsError`,
 *   `AccountLockedError`, or SimpleError `ERR_FACTOR_NOT_ENROLLED` when the user has no codes
 * @example
 * ```ts
 * const { event, remaining } = await verifyRecoveryCode(services, {
 *   factors: await listFactors(services.db, user.id, { confirmedOnly: true }),
 *   code: body.code,
 *   scope: { challengeKey: `interaction:${uid}`, userId: user.id },
 * });
 * ```
 */
export async function verifyRecoveryCode(
  services: Services,
  input: { factors: readonly Factor[]; code: string; scope: AttemptScope },
): Promise<RecoveryCodeUse> {
  const accountFailures = await refuseExhaustedAttempts(services, input.scope);
  const recoveryFactors = recoveryFactorsOf(input.factors, input.scope.userId);
  if (recoveryFactors.length === 0) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');

  const normalized = normalizeRecoveryCode(input.code);
  let reused = false;
  if (normalized !== null) {
    for (const factor of recoveryFactors) {
      const value = hashInput(factor.id, normalized);
      const match = (await listRecoveryCodes(services.db, factor.id)).find((stored) =>
        matchesKeyedHash(services.secretKeys, HASH_PURPOSE, value, stored.codeHash),
      );
      if (match === undefined) continue;
      const now = services.now();
      if (match.usedAt === null && (await useRecoveryCode(services.db, { factorId: factor.id, seq: match.seq, at: now }))) {
        return finishUse(services, factor, input.scope.userId, now, accountFailures);
      }
      reused = true;
      // A used code typed again means someone other than the user may hold the sheet.
      services.logger.warn({ userId: input.scope.userId, factorId: factor.id }, 'a used recovery code was presented again');
    }
  }
  const attemptsLeft = await chargeFailure(services, input.scope);
  if (reused) throw new CodeReusedError();
  throw new InvalidCodeError(attemptsLeft);
}

async function finishUse(services: Services, factor: Factor, userId: string, now: number, accountFailures: number): Promise<RecoveryCodeUse> {
  await touchFactor(services.db, factor.id, now);
  await clearAccountFailures(services, userId, accountFailures);
  const remaining = await countUnusedRecoveryCodes(services.db, factor.id);
  services.logger.info({ userId, factorId: factor.id, remaining }, 'recovery code used');
  if (remaining === 0) await deleteFactor(services.db, factor.id);
  return { event: { method: 'recovery_code', at: now, authenticatorId: factor.id }, remaining };
}

/**
 * How many recovery codes a user can still use, to show beside the factor
 * list or to suggest making a new set.
 *
 * @param services - shared services
 * @param factors - the user's factors
 * @returns 0 when the user has no `recovery_code` factor
 * @example
 * ```ts
 * const left = await countRemainingRecoveryCodes(services, await listFactors(services.db, user.id));
 * ```
 */
export async function countRemainingRecoveryCodes(services: Services, factors: readonly Factor[]): Promise<number> {
  let remaining = 0;
  for (const factor of recoveryFactorsOf(factors)) remaining += await countUnusedRecoveryCodes(services.db, factor.id);
  return remaining;
}
