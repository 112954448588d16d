import { SimpleError, ValidationError, type AuditJson } from '@stepwise/core';
import type { Services } from '../../services.js';
import { clearFailures } from '../../storage/attempts.js';
import { deleteUserFactors } from '../../storage/factors.js';
import { findSessionById, revokeSession, revokeUserSessions } from '../../storage/sessions.js';
import { findUserById, setUserDisabled, type User } from '../../storage/users.js';

/** Who acts: the admin's audit actor (`admin:<username>`), user id and address. */
export interface AdminActor {
  readonly actor: string;
  readonly userId: string;
  readonly ip: string | null;
}

/** The console's destructive actions, as `details.action` of their `admin_action` events. */
export type AdminActionName = 'lock' | 'unlock' | 'reset_factors' | 'revoke_session';

async function recordAction(
  services: Services,
  by: AdminActor,
  subject: string,
  details: { action: AdminActionName } & Record<string, AuditJson>,
): Promise<void> {
  // Awaited before the answer: an action the log could lose is not reported as done.
  await services.audit.record({ type: 'admin_action', actor: by.actor, subject, ip: by.ip, outcome: 'done', details });
}

async function targetUser(services: Services, userId: string): Promise<User> {
  const user = await findUserById(services.db, userId);
  if (!user) throw new SimpleError('ERR_USER_NOT_FOUND');
  return user;
}

function refuseOwnAccount(by: AdminActor, user: User, action: string): void {
  // An admin who locks or resets themselves is shut out of the console with no one to undo it.
  if (by.userId === user.id) throw new ValidationError('id', `sign in as another admin to ${action} your own account`);
}

/**
 * Locks an account: disables it (every sign-in refused) and ends all its sessions.
 *
 * @param services - shared services
 * @param by - the admin
 * @param userId - the account
 * @returns how many sessions were ended
 * @throws `ERR_USER_NOT_FOUND`; `ERR_VALIDATION` for the admin's own account
 */
export async function lockUser(services: Services, by: AdminActor, userId: string): Promise<number> {
  const user = await targetUser(services, userId);
  refuseOwnAccount(by, user, 'lock');
  await setUserDisabled(services.db, user.id, true);
  const revoked = await revokeUserSessions(services.db, user.id, services.now());
  await recordAction(services, by, user.id, { action: 'lock', username: user.username, sessions_revoked: revoked });
  return revoked;
}

/**
 * Unlocks an account: enables it and forgets its failed sign-ins and wrong
 * codes, so the lockout windows end now.
 *
 * @param services - shared services
 * @param by - the admin
 * @param userId - the account
 * @throws `ERR_USER_NOT_FOUND`
 */
export async function unlockUser(services: Services, by: AdminActor, userId: string): Promise<void> {
  const user = await targetUser(services, userId);
  await setUserDisabled(services.db, user.id, false);
  await clearFailures(services.db, `login:user:${user.username}`);
  await clearFailures(services.db, `account:${user.id}`);
  await recordAction(services, by, user.id, { action: 'unlock', username: user.username });
}

/**
 * Resets an account's sign-in methods: removes every second factor
 * (authenticator apps, passkeys, security keys, code destinations, recovery
 * codes), keeps the password, and ends all sessions.
 *
 * @param services - shared services
 * @param by - the admin
 * @param userId - the account
 * @returns how many factors and sessions went
 * @throws `ERR_USER_NOT_FOUND`; `ERR_VALIDATION` for the admin's own account
 */
export async function resetFactors(services: Services, by: AdminActor, userId: string): Promise<{ factors: number; sessions: number }> {
  const user = await targetUser(services, userId);
  refuseOwnAccount(by, user, 'reset');
  const factors = await deleteUserFactors(services.db, user.id);
  const sessions = await revokeUserSessions(services.db, user.id, services.now());
  await recordAction(services, by, user.id, { action: 'reset_factors', username: user.username, factors_removed: factors, sessions_revoked: sessions });
  return { factors, sessions };
}

/**
 * Ends one session.
 *
 * @param services - shared services
 * @param by - the admin
 * @param sessionId - the session (its token hash)
 * @returns the session's user id
 * @throws `ERR_NOT_FOUND` when there is no such session
 */
export async function revokeUserSession(services: Services, by: AdminActor, sessionId: string): Promise<string> {
  const session = await findSessionById(services.db, sessionId);
  if (!session) throw new SimpleError('ERR_NOT_FOUND', 'No such session');
  await revokeSession(services.db, session.id, services.now());
  // The log names the session by a prefix of its id: enough to tell sessions apart, never a token.
  await recordAction(services, by, session.userId, { action: 'revoke_session', session: session.id.slice(0, 12), already_revoked: session.revokedAt !== null });
  return session.userId;
}
