import { PostgresAdapter, type Selectable } from 'kysely';
import type { AuthenticationEvent, MethodId } from '@stepwise/core';
import { SimpleError } from '@stepwise/core';
import type { Db } from './database.js';
import type { AuthEventsTable } from './schema.js';
import { prepareQuery } from './prepared-query.js';

/*
 * The authentication events of a session (what was used, when): the
 * evidence every step-up is judged on. Sessions themselves are in
 * sessions.ts, which inserts a new session's first event with it.
 */

/** An event row's values, in the order of the prepared inserts. */
export type EventValues = [
  sessionId: string, seq: number, userId: string, method: string, at: number,
  authenticatorId: string | null, userVerified: number | null, backedUp: number | null,
];

/** Every sign-in and step-up inserts one; see prepared-query.ts. */
export const authEventInsert = prepareQuery((
  db: Db, sessionId: string, seq: number, userId: string, method: string, at: number,
  authenticatorId: string | null, userVerified: number | null, backedUp: number | null,
) => db.insertInto('auth_events').values({
  session_id: sessionId, seq, user_id: userId, method, at, authenticator_id: authenticatorId, user_verified: userVerified, backed_up: backedUp,
}));

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
  if (db.getExecutor().adapter instanceof PostgresAdapter) return addAuthEventInOneStatement(db, sessionId, userId, event);
  // Inside the caller's transaction when given one (a sign-in and its audit event), else in its own.
  const add = async (trx: Db) => {
    // Bumping the session's counter takes its row lock, so concurrent inserts
    // for one session get distinct, ordered sequence numbers on both engines.
    const counter = await trx
      .updateTable('sessions')
      .set((eb) => ({ event_count: eb('event_count', '+', 1) }))
      .where('id', '=', sessionId)
      .returning('event_count')
      .executeTakeFirst();
    if (!counter) throw new SimpleError('ERR_NOT_FOUND', 'no such session');
    const row = authEventRow(sessionId, counter.event_count, userId, event);
    await authEventInsert.execute(trx, row.session_id, row.seq, row.user_id, row.method, row.at, row.authenticator_id, row.user_verified, row.backed_up);
  };
  await (db.isTransaction ? add(db) : db.transaction().execute(add));
}

/*
 * PostgreSQL can bump the counter and insert the event in one statement (an
 * UPDATE in a WITH clause): the same row lock and sequence number as the
 * two statements SQLite needs, without a transaction around them, and no
 * row inserted when there is no such session.
 */
async function addAuthEventInOneStatement(db: Db, sessionId: string, userId: string, event: AuthenticationEvent): Promise<void> {
  const row = authEventRow(sessionId, 0, userId, event);
  const result = await countedAuthEventInsert.execute(db, row.session_id, row.user_id, row.method, row.at, row.authenticator_id, row.user_verified, row.backed_up);
  if ((result.numAffectedRows ?? 0n) === 0n) throw new SimpleError('ERR_NOT_FOUND', 'no such session');
}

const countedAuthEventInsert = prepareQuery((
  db: Db, sessionId: string, userId: string, method: string, at: number,
  authenticatorId: string | null, userVerified: number | null, backedUp: number | null,
) => db
  .with('counter', (qb) => qb
    .updateTable('sessions')
    .set((eb) => ({ event_count: eb('event_count', '+', 1) }))
    .where('id', '=', sessionId)
    .returning('event_count'))
  .insertInto('auth_events')
  .columns(['session_id', 'seq', 'user_id', 'method', 'at', 'authenticator_id', 'user_verified', 'backed_up'])
  .expression((eb) => eb.selectFrom('counter').select([
    eb.val(sessionId).as('session_id'),
    'counter.event_count',
    eb.val(userId).as('user_id'),
    eb.val(method).as('method'),
    eb.val(at).as('at'),
    eb.val(authenticatorId).as('authenticator_id'),
    eb.val(userVerified).as('user_verified'),
    eb.val(backedUp).as('backed_up'),
  ])));

/** The stored row of an event, numbered `seq` in its session. */
export function authEventRow(sessionId: string, seq: number, userId: string, event: AuthenticationEvent): AuthEventsTable {
  return {
    session_id: sessionId,
    seq,
    user_id: userId,
    method: event.method,
    at: event.at,
    authenticator_id: event.authenticatorId ?? null,
    user_verified: flag(event.userVerified),
    backed_up: flag(event.backedUp),
  };
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

/** An `auth_events` row as the event it records. */
export function toEvent(row: Selectable<AuthEventsTable>): AuthenticationEvent {
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
  return (await sessionEvents.execute(db, sessionId)).rows.map(toEvent);
}

/** Every request with a session runs it; see prepared-query.ts. */
const sessionEvents = prepareQuery((db: Db, sessionId: string) =>
  db.selectFrom('auth_events').selectAll().where('session_id', '=', sessionId).orderBy('at').orderBy('seq'));
