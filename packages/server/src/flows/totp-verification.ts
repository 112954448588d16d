import {
  AccountLockedError,
  CodeReusedError,
  InvalidCodeError,
  SimpleError,
  TooManyAttemptsError,
  type AuthenticationEvent,
} from '@stepwise/core';
import { recordLockout } from '../audit/events.js';
import { matchTotp, totpSecretContext } from '../factors/totp.js';
import type { Services } from '../services.js';
import { clearFailures, openFailures, readFailureWindows, registerFailure, secondsUntilWindowEnds } from '../storage/attempts.js';
import type { Db } from '../storage/database.js';
import { advanceLastUsedStep, type Factor } from '../storage/factors.js';

/** A step-up lives at most this long; its failure counter with it. */
const CHALLENGE_WINDOW_SECONDS = 86_400;

/** The counters one code attempt is charged to. */
export interface AttemptScope {
  /** The step-up (interaction, enrollment) this code answers. */
  readonly challengeKey: string;
  readonly userId: string;
}

/**
 * Refuses at once when the step-up already had its maximum of wrong codes
 * or the account is locked, before the code is even looked at: the right
 * code after five wrong ones is still refused. Both counters are read in
 * one statement.
 *
 * @param services - shared services
 * @param scope - challenge and account
 * @returns the account's failures in its open window: a verified code
 *   resets the counter only when this is above 0
 */
export async function refuseExhaustedAttempts(services: Services, scope: AttemptScope): Promise<number> {
  const { maxAttemptsPerChallenge, accountMaxFailures, accountWindowSeconds } = services.config.stepUp;
  const now = services.now();
  const accountKey = `account:${scope.userId}`;
  const windows = await readFailureWindows(services.db, [scope.challengeKey, accountKey]);
  if (openFailures(windows.get(scope.challengeKey), now, CHALLENGE_WINDOW_SECONDS) >= maxAttemptsPerChallenge) {
    throw new TooManyAttemptsError(maxAttemptsPerChallenge);
  }
  const accountFailures = openFailures(windows.get(accountKey), now, accountWindowSeconds);
  if (accountFailures >= accountMaxFailures) {
    throw new AccountLockedError(secondsUntilWindowEnds(windows.get(accountKey), now, accountWindowSeconds));
  }
  return accountFailures;
}

/**
 * Forgets the account's failures after a verified code, when the check
 * before it found any. A failure counted meanwhile (another node) stays:
 * this only skips deleting nothing.
 *
 * @param services - shared services
 * @param userId - the account
 * @param failuresBefore - what {@link refuseExhaustedAttempts} returned
 */
export async function clearAccountFailures(services: Services, userId: string, failuresBefore: number): Promise<void> {
  if (failuresBefore > 0) await clearFailures(services.db, `account:${userId}`);
}

/**
 * Charges one failed attempt to the step-up and to the account.
 *
 * @returns wrong codes still allowed in this step-up
 */
export async function chargeFailure(services: Services, scope: AttemptScope): Promise<number> {
  const now = services.now();
  const { maxAttemptsPerChallenge, accountMaxFailures, accountWindowSeconds } = services.config.stepUp;
  const failures = await registerFailure(services.db, scope.challengeKey, now, CHALLENGE_WINDOW_SECONDS);
  const accountFailures = await registerFailure(services.db, `account:${scope.userId}`, now, accountWindowSeconds);
  // The failure that reaches the account's limit starts its lockout: recorded once, here.
  if (accountFailures === accountMaxFailures) {
    await recordLockout(services, { scope: 'account', subject: scope.userId, failures: accountFailures, retryAfterSeconds: accountWindowSeconds });
  }
  return Math.max(0, maxAttemptsPerChallenge - failures);
}

/**
 * A factor whose sealed secret does not open (tampered, moved from another
 * row, or its key removed) cannot verify any code: the user gets an
 * ordinary refusal and the operator an error in the log.
 */
function openSecret(services: Services, factor: Factor): string | undefined {
  try {
    return services.box.open(factor.secret!, totpSecretContext(factor.id));
  } catch (error) {
    services.logger.error({ err: error, factorId: factor.id }, 'a TOTP secret could not be decrypted');
    return undefined;
  }
}

/** A matched TOTP code whose time step is not yet spent; see {@link matchTotpCode}. */
export interface MatchedTotpCode {
  readonly event: AuthenticationEvent;
  /**
   * Spends the code's time step (the atomic check-and-set of
   * `advanceLastUsedStep`), in the caller's transaction: false when another
   * request spent it first, and the code must then be refused as reused
   * (see {@link refuseReusedCode}).
   */
  claim(db: Db): Promise<boolean>;
  /** The account's failures before this answer: once the claim committed, pass it to {@link clearAccountFailures}. */
  readonly accountFailures: number;
}

/**
 * The first half of {@link verifyTotpCode}, for a caller that commits the
 * code's time step in the same transaction as what the code approves (a
 * decision challenge satisfied): one commit instead of two. Refuses at once
 * what `verifyTotpCode` refuses before spending the step (exhausted
 * attempts, a wrong code, a step already spent by an earlier answer); the
 * caller clears the account's failures once its claim committed.
 *
 * @param services - shared services
 * @param input - the factors to try, the typed code and the attempt scope
 * @returns the event and how to spend its step
 * @throws {@link InvalidCodeError}, {@link CodeReusedError}, {@link TooManyAttemptsError} or {@link AccountLockedError}
 */
export async function matchTotpCode(
  services: Services,
  input: { factors: readonly Factor[]; code: string; scope: AttemptScope },
): Promise<MatchedTotpCode> {
  const accountFailures = await refuseExhaustedAttempts(services, input.scope);
  const totpFactors = input.factors.filter((factor) => factor.method === 'totp' && factor.secret !== null);
  if (totpFactors.length === 0) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
  const nowMs = services.now() * 1000;
  const now = Math.floor(nowMs / 1000);
  let replayed = false;
  for (const factor of totpFactors) {
    const secret = openSecret(services, factor);
    const step = secret === undefined ? null : matchTotp(secret, input.code, nowMs);
    if (step === null) continue;
    // As read with the factors; the claim checks again, atomically.
    if (factor.lastUsedStep !== null && factor.lastUsedStep >= step) {
      replayed = true;
      continue;
    }
    return { event: { method: 'totp', at: now, authenticatorId: factor.id }, claim: (db) => advanceLastUsedStep(db, factor.id, step, now), accountFailures };
  }
  const attemptsLeft = await chargeFailure(services, input.scope);
  if (replayed) throw new CodeReusedError();
  throw new InvalidCodeError(attemptsLeft);
}

/**
 * What a caller of {@link matchTotpCode} does when its claim found the
 * step spent: the answer counts as a failed attempt and is refused as reused.
 *
 * @param services - shared services
 * @param scope - challenge and account
 * @throws {@link CodeReusedError} always
 */
export async function refuseReusedCode(services: Services, scope: AttemptScope): Promise<never> {
  await chargeFailure(services, scope);
  throw new CodeReusedError();
}

/**
 * Verifies a TOTP code against the given factors: ±1 time step, and a time
 * step already accepted for a factor is refused (the check-and-set is one
 * atomic UPDATE, so two nodes cannot both accept it). Wrong and replayed
 * codes count toward the per-step-up and per-account limits.
 *
 * @param services - shared services
 * @param input - the factors to try, the typed code and the attempt scope
 * @returns the authentication event to record
 * @throws {@link InvalidCodeError}, {@link CodeReusedError}, {@link TooManyAttemptsError} or {@link AccountLockedError}
 */
export async function verifyTotpCode(
  services: Services,
  input: { factors: readonly Factor[]; code: string; scope: AttemptScope; onVerified?: (factor: Factor) => Promise<void> },
): Promise<AuthenticationEvent> {
  const matched = await matchTotpCode(services, input);
  // Another request may have spent the step since the factors were read.
  if (!(await matched.claim(services.db))) return refuseReusedCode(services, input.scope);
  const factor = input.factors.find((candidate) => candidate.id === matched.event.authenticatorId)!;
  await input.onVerified?.(factor);
  await clearAccountFailures(services, input.scope.userId, matched.accountFailures);
  return matched.event;
}
