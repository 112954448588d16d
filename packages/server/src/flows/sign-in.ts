import { AccountLockedError, InvalidCredentialsError, type AuthenticationEvent } from '@stepwise/core';
import { recordLockout, recordSignInFailed } from '../audit/events.js';
import { hashPassword, MAX_PASSWORD_LENGTH, needsRehash, verifyAgainstDummy, verifyPassword } from '../crypto/passwords.js';
import type { Services } from '../services.js';
import { clearFailures, openFailures, registerFailure, secondsUntilWindowEnds, type FailureWindow } from '../storage/attempts.js';
import type { Db } from '../storage/database.js';
import { addAuthEvent } from '../storage/auth-events.js';
import { createSessionWithEvent } from '../storage/sessions.js';
import { normalizeUsername, updatePasswordHash, type User } from '../storage/users.js';
import { readPasswordSignIn } from '../storage/password-sign-in.js';

/** Where a sign-in comes from. */
export interface SignInContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * Refuses when a counter has reached its limit.
 *
 * @returns the counter's failures in its open window (0 when none)
 */
function refuseWhenLocked(window: FailureWindow | undefined, max: number, now: number, windowSeconds: number): number {
  const failures = openFailures(window, now, windowSeconds);
  if (failures >= max) throw new AccountLockedError(secondsUntilWindowEnds(window, now, windowSeconds));
  return failures;
}

/**
 * Checks a username and password. Unknown users, disabled users and wrong
 * passwords get the same error after the same argon2id work, so the answer
 * reveals nothing. Failures count per username (known or not) and per IP,
 * in the database, so lockouts survive restarts and span nodes.
 *
 * @param services - shared services
 * @param input - the typed username and password, and the client IP
 * @returns the user
 * @throws {@link InvalidCredentialsError} or {@link AccountLockedError}
 */
export async function verifyPasswordSignIn(
  services: Services,
  input: { username: string; password: string; ip: string | null },
): Promise<User> {
  const { accountMaxFailures, ipMaxFailures, accountWindowSeconds } = services.config.stepUp;
  const userKey = `login:user:${normalizeUsername(input.username)}`;
  const ipKey = `login:ip:${input.ip ?? 'unknown'}`;
  // The account and both counters in one read; the account's counter is reset below only when it holds failures.
  const { user: known, windows } = await readPasswordSignIn(services.db, input.username, [userKey, ipKey]);
  let userFailuresBefore: number;
  try {
    const checkedAt = services.now();
    userFailuresBefore = refuseWhenLocked(windows.get(userKey), accountMaxFailures, checkedAt, accountWindowSeconds);
    refuseWhenLocked(windows.get(ipKey), ipMaxFailures, checkedAt, accountWindowSeconds);
  } catch (error) {
    await recordSignInFailed(services, { user: known, method: 'password', reason: (error as AccountLockedError).code, ip: input.ip });
    throw error;
  }

  const user = input.password.length <= MAX_PASSWORD_LENGTH ? known : undefined;
  const valid =
    user && user.passwordHash && !user.disabled
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyAgainstDummy(input.password.slice(0, MAX_PASSWORD_LENGTH));
  if (!user || !valid) {
    const now = services.now();
    const userFailures = await registerFailure(services.db, userKey, now, accountWindowSeconds);
    const ipFailures = await registerFailure(services.db, ipKey, now, accountWindowSeconds);
    const failure = new InvalidCredentialsError();
    await recordSignInFailed(services, { user, method: 'password', reason: failure.code, ip: input.ip });
    // The failure that reaches a limit starts the lockout: recorded once, here.
    if (userFailures === accountMaxFailures) {
      await recordLockout(services, { scope: 'account', subject: user?.id, ip: input.ip, failures: userFailures, retryAfterSeconds: accountWindowSeconds });
    }
    if (ipFailures === ipMaxFailures) {
      await recordLockout(services, { scope: 'ip', ip: input.ip, failures: ipFailures, retryAfterSeconds: accountWindowSeconds });
    }
    throw failure;
  }
  // A failure counted since the read above stays counted: only skipping a
  // delete of nothing, never forgetting more than before.
  if (userFailuresBefore > 0) await clearFailures(services.db, userKey);
  if (user.passwordHash && needsRehash(user.passwordHash)) {
    await updatePasswordHash(services.db, user.id, await hashPassword(input.password));
  }
  return user;
}

/**
 * Records an authentication event in a session, creating the session when
 * there is none for this user yet.
 *
 * @param services - shared services
 * @param input - the user, the event, the current session (if any), the
 *   request context, and the transaction to write in (default: the database)
 * @returns the session id and, for a new session, the cookie token
 */
export async function recordAuthentication(
  services: Services,
  input: { user: User; event: AuthenticationEvent; sessionId?: string | undefined; context: SignInContext; db?: Db },
): Promise<{ sessionId: string; newToken?: string }> {
  const db = input.db ?? services.db;
  if (input.sessionId) {
    await addAuthEvent(db, input.sessionId, input.user.id, input.event);
    return { sessionId: input.sessionId };
  }
  const session = { userId: input.user.id, ip: input.context.ip, userAgent: input.context.userAgent, now: services.now() };
  const { token, session: created } = db.isTransaction
    ? await createSessionWithEvent(db, session, input.event)
    : await db.transaction().execute((trx) => createSessionWithEvent(trx, session, input.event));
  return { sessionId: created.id, newToken: token };
}
