import { createHash, randomBytes } from 'node:crypto';
import { PostgresAdapter, type Selectable } from 'kysely';
import type { AuthenticationEvent } from '@stepwise/core';
import type { Db } from './database.js';
import type { AuthEventsTable, FactorsTable, SessionsTable } from './schema.js';
import { authEventInsert, authEventRow, toEvent, type EventValues } from './auth-events.js';
import { toFactor, type Factor } from './factors.js';
import { jsonArrayFrom, parseJsonRows } from './json-array.js';
import { prepareQuery } from './prepared-query.js';
import { toUser, type User } from './users.js';

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
  return insertSession(db, input, 0);
}

/**
 * Starts a session that holds its first authentication event: the new
 * session's counter starts at that event, so there is no row to bump as
 * {@link addAuthEvent} does. One statement on PostgreSQL; two on SQLite,
 * so run it in a transaction to have both or neither.
 *
 * @param db - database (an open transaction)
 * @param input - who, from where, and now in seconds
 * @param event - the first event (the password or passkey just verified)
 * @returns the token to put in the cookie (never stored) and the record
 * @example
 * ```ts
 * const { token } = await db.transaction().execute((trx) => createSessionWithEvent(trx, { userId, now }, { method: 'password', at: now }));
 * ```
 */
export async function createSessionWithEvent(
  db: Db,
  input: { userId: string; ip?: string | null; userAgent?: string | null; now: number },
  event: AuthenticationEvent,
): Promise<{ token: string; session: SessionRecord }> {
  const { token, row: session } = newSession(input, 1);
  const event1 = authEventRow(session.id, 1, input.userId, event);
  const eventValues = [event1.session_id, event1.seq, event1.user_id, event1.method, event1.at, event1.authenticator_id, event1.user_verified, event1.backed_up] as const;
  const sessionValues = [session.id, session.user_id, session.created_at, session.last_seen_at, session.ip, session.user_agent, session.event_count] as const;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // One statement on PostgreSQL: the session inserted in a WITH clause.
    await sessionWithEventInsert.execute(db, ...sessionValues, ...eventValues);
  } else {
    await sessionInsert.execute(db, ...sessionValues);
    await authEventInsert.execute(db, ...eventValues);
  }
  return { token, session: toSession(session) };
}

function newSession(input: { userId: string; ip?: string | null; userAgent?: string | null; now: number }, eventCount: number) {
  const token = randomBytes(32).toString('base64url');
  const row = {
    id: sessionIdOf(token),
    user_id: input.userId,
    created_at: input.now,
    last_seen_at: input.now,
    revoked_at: null,
    ip: input.ip ?? null,
    user_agent: input.userAgent ?? null,
    event_count: eventCount,
  };
  return { token, row };
}

async function insertSession(
  db: Db,
  input: { userId: string; ip?: string | null; userAgent?: string | null; now: number },
  eventCount: number,
): Promise<{ token: string; session: SessionRecord }> {
  const { token, row } = newSession(input, eventCount);
  await sessionInsert.execute(db, row.id, row.user_id, row.created_at, row.last_seen_at, row.ip, row.user_agent, row.event_count);
  return { token, session: toSession(row) };
}

/** Every sign-in runs these two; see prepared-query.ts. */
const sessionInsert = prepareQuery((
  db: Db, id: string, userId: string, createdAt: number, lastSeenAt: number, ip: string | null, userAgent: string | null, eventCount: number,
) => db.insertInto('sessions').values({
  id, user_id: userId, created_at: createdAt, last_seen_at: lastSeenAt, revoked_at: null, ip, user_agent: userAgent, event_count: eventCount,
}));

type SessionValues = [id: string, userId: string, createdAt: number, lastSeenAt: number, ip: string | null, userAgent: string | null, eventCount: number];
const sessionWithEventInsert = prepareQuery((db: Db, ...values: [...SessionValues, ...EventValues]) => {
  const [id, userId, createdAt, lastSeenAt, ip, userAgent, eventCount, sessionId, seq, eventUserId, method, at, authenticatorId, userVerified, backedUp] = values;
  return db
    .with('session', (qb) => qb.insertInto('sessions').values({
      id, user_id: userId, created_at: createdAt, last_seen_at: lastSeenAt, revoked_at: null, ip, user_agent: userAgent, event_count: eventCount,
    }).returning('id'))
    .insertInto('auth_events')
    .values({
      session_id: sessionId, seq, user_id: eventUserId, method, at, authenticator_id: authenticatorId, user_verified: userVerified, backed_up: backedUp,
    });
});

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

/** What a request with a live session reads first: the session, its user, its events and the user's confirmed factors. */
export interface SignedInSession {
  readonly session: SessionRecord;
  readonly user: User;
  /** Ordered by time, then by insertion. */
  readonly events: AuthenticationEvent[];
  /** Confirmed only, oldest first. */
  readonly factors: Factor[];
}

/**
 * Finds the live session a cookie token names, with its user, the
 * session's authentication events and the user's confirmed factors, in one
 * statement: what every request with a session cookie reads first. The
 * events and factors come as JSON arrays from subqueries, so a step-up
 * page costs one round trip to the database where it cost three.
 *
 * @param db - database
 * @param token - the cookie value
 * @returns undefined when the token is unknown or the session revoked
 * @example
 * ```ts
 * const found = await findSignedInSession(db, request.cookies.stepwise_session);
 * if (found && !found.user.disabled) console.log(found.user.username, found.events.length);
 * ```
 */
export async function findSignedInSession(db: Db, token: string): Promise<SignedInSession | undefined> {
  if (token.length > 128) return undefined;
  const [row] = (await signedInSession.execute(db, sessionIdOf(token))).rows;
  if (!row) return undefined;
  const session: SessionRecord = {
    id: row.session_id,
    userId: row.id,
    createdAt: row.session_created_at,
    lastSeenAt: row.session_last_seen_at,
    revokedAt: row.session_revoked_at,
    ip: row.session_ip,
    userAgent: row.session_user_agent,
  };
  // Sorted here: neither engine promises an aggregate keeps its subquery's order.
  const events = parseJsonRows<Selectable<AuthEventsTable>>(row.events).sort((a, b) => a.at - b.at || a.seq - b.seq).map(toEvent);
  const factors = parseJsonRows<Selectable<FactorsTable>>(row.factors)
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(toFactor);
  return { session, user: toUser(row), events, factors };
}

const AUTH_EVENT_COLUMNS = ['session_id', 'seq', 'user_id', 'method', 'at', 'authenticator_id', 'user_verified', 'backed_up'] as const;
const FACTOR_COLUMNS = ['id', 'user_id', 'method', 'name', 'secret', 'last_used_step', 'confirmed_at', 'created_at', 'last_used_at', 'destination'] as const;

/** Every request with a session cookie runs it; see prepared-query.ts. */
const signedInSession = prepareQuery((db: Db, id: string) => db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select((eb) => [
      'sessions.id as session_id', 'sessions.created_at as session_created_at', 'sessions.last_seen_at as session_last_seen_at',
      'sessions.revoked_at as session_revoked_at', 'sessions.ip as session_ip', 'sessions.user_agent as session_user_agent',
      jsonArrayFrom(db, eb.selectFrom('auth_events').select(AUTH_EVENT_COLUMNS).whereRef('auth_events.session_id', '=', 'sessions.id')).as('events'),
      jsonArrayFrom(db, eb.selectFrom('factors').select(FACTOR_COLUMNS).whereRef('factors.user_id', '=', 'users.id').where('factors.confirmed_at', 'is not', null)).as('factors'),
    ])
    .where('sessions.id', '=', id)
    .where('sessions.revoked_at', 'is', null));

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
