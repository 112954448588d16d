import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuthenticationEvent, MethodId } from '@stepwise/core';
import { SimpleError } from '@stepwise/core';
import type { Db } from './database.js';
import type { AuthEventsTable, SessionsTable } from './schema.js';

/** A first-party browser session. `id` is the hash of the cookie token. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
  ip: string | null;
  userAgent: string | null;
}

/*
 * Only the hash of the token is stored, so a leaked database or backup holds
 * no usable cookies. The token has 256 bits of entropy, so an unsalted fast
 * hash is enough.
 */
function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/**
 * Starts a session.
 *
 * @param db - database
 * @param input - who, from where, and now in seconds
 * @returns the token to put in the cookie (never stored) and the record
 * @example
 * ```ts
 * const { token } = await createSession(db, { userId, ip: req.ip, now });
 * reply.setCookie('sid', token, { httpOnly: true, secure: true, sameSite: 'lax' });
 * ```
 */
export async function createSession(
  db: Db,
  input: { userId: string; ip?: string | null; userAgent?: string | null; now: number },
): Promise<{ token: string; session: SessionRecord }> {
  const token = randomBytes(32).toString('base64url');
  const row = {
    id: sessionIdOf(token),
    user_id: input.userId,
    created_at: input.now,
    last_seen_at: input.now,
    revoked_at: null,
    ip: input.ip ?? null,
    user_agent: input.userAgent ?? null,
    event_count: 0,
  };
  await db.insertInto('sessions').values(row).execute();
  return { token, session: toSession(row) };
}

/**
 * Finds the live session a cookie token names.
 *
 * @param db - database
 * @param token - the cookie value
 * @returns undefined when the token is unknown or the session revoked
 */
export async function findSessionByToken(db: Db, token: string): Promise<SessionRecord | undefined> {
  // Issued tokens are 43 characters; a longer value names no session and is not worth hashing.
  if (token.length > 128) return undefined;
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', sessionIdOf(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && toSession(row);
}

/**
 * Records activity on a session. Never moves `lastSeenAt` backwards, since
 * requests from several nodes may finish out of order.
 *
 * @param db - database
 * @param id - session id (the token hash)
 * @param now - seconds
 */
export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).where('last_seen_at', '<', now).execute();
}

/**
 * Ends a session. Revoking twice keeps the first time.
 *
 * @param db - database
 * @param id - session id
 * @param now - seconds
 */
export async function revokeSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * A user's sessions, revoked ones included, newest first.
 *
 * @param db - database
 * @param userId - owner
 */
export async function listSessions(db: Db, userId: string): Promise<SessionRecord[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}

/**
 * Appends an authentication event to a session.
 *
 * @param db - database
 * @param sessionId - session id
 * @param userId - the session's user, kept for per-user queries
 * @param event - what was used, when
 * @throws SimpleError `ERR_NOT_FOUND` when the session does not exist
 * @example
 * ```ts
 * await addAuthEvent(db, session.id, user.id, { method: 'totp', at: now, authenticatorId: factor.id });
 * ```
 */
export async function addAuthEvent(db: Db, sessionId: string, userId: string, event: AuthenticationEvent): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Bumping the session's counter takes its row lock, so concurrent inserts
    // for one session get distinct, ordered sequence numbers on both engines.
    const counter = await trx
      .updateTable('sessions')
      .set((eb) => ({ event_count: eb('event_count', '+', 1) }))
      .where('id', '=', sessionId)
      .returning('event_count')
      .executeTakeFirst();
    if (!counter) throw new SimpleError('ERR_NOT_FOUND', 'no such session');
    await trx
      .insertInto('auth_events')
      .values({
        session_id: sessionId,
        seq: counter.event_count,
        user_id: userId,
        method: event.method,
        at: event.at,
        authenticator_id: event.authenticatorId ?? null,
        user_verified: flag(event.userVerified),
        backed_up: flag(event.backedUp),
      })
      .execute();
  });
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

function toEvent(row: Selectable<AuthEventsTable>): AuthenticationEvent {
  return {
    method: row.method as MethodId,
    at: row.at,
    ...(row.authenticator_id !== null && { authenticatorId: row.authenticator_id }),
    ...(row.user_verified !== null && { userVerified: row.user_verified !== 0 }),
    ...(row.backed_up !== null && { backedUp: row.backed_up !== 0 }),
  };
}

/**
 * The events a session holds, ordered by time and then by insertion.
 *
 * @param db - database
 * @param sessionId - session id
 */
export async function listAuthEvents(db: Db, sessionId: string): Promise<AuthenticationEvent[]> {
  const rows = await db
    .selectFrom('auth_events')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('at')
    .orderBy('seq')
    .execute();
  return rows.map(toEvent);
}

/**
 * Finds a session by id (the token hash), revoked or not.
 *
 * @param db - database
 * @param id - session id
 */
export async function findSessionById(db: Db, id: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSession(row);
}

/**
 * Live sessions (not revoked, created after `createdAfter`), newest first,
 * each with its user's username: the admin console's session list.
 *
 * @param db - database
 * @param input - the oldest creation time still live (now minus the session lifetime), page size and offset
 * @example
 * ```ts
 * const live = await listLiveSessions(db, { createdAfter: now - ttl, limit: 50, offset: 0 });
 * ```
 */
export async function listLiveSessions(
  db: Db,
  input: { createdAfter: number; limit: number; offset: number },
): Promise<Array<SessionRecord & { username: string }>> {
  const rows = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select('users.username')
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.created_at', '>', input.createdAfter)
    .orderBy('sessions.created_at', 'desc')
    .orderBy('sessions.id')
    .limit(input.limit)
    .offset(input.offset)
    .execute();
  return rows.map((row) => ({ ...toSession(row), username: row.username }));
}

/**
 * Ends every live session of a user (locking an account, resetting its factors).
 *
 * @param db - database
 * @param userId - owner
 * @param now - seconds
 * @returns how many sessions were ended
 */
export async function revokeUserSessions(db: Db, userId: string, now: number): Promise<number> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
