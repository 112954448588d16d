import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { OutboxTable } from './schema.js';

/*
 * The development outbox keeps what would have been emailed or texted, so
 * a developer without SMTP or an SMS gateway can read their codes. It holds
 * live codes, so it keeps only the last day.
 */

/** How long outbox messages are kept. */
export const OUTBOX_RETENTION_SECONDS = 86_400;

/** One message as it was (or would have been) sent. */
export interface OutboxMessage {
  id: string;
  channel: 'email' | 'sms';
  destination: string;
  subject: string;
  body: string;
  createdAt: number;
}

function toMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    channel: row.channel === 'sms' ? 'sms' : 'email',
    destination: row.destination,
    subject: row.subject,
    body: row.body,
    createdAt: row.created_at,
  };
}

let lastStamp = 0;

/*
 * created_at has whole seconds; two codes sent within one second would list
 * in random order. An id that starts with a per-process increasing
 * millisecond stamp keeps "newest first" exact without another column.
 */
function sortableId(): string {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return `${lastStamp.toString(16).padStart(12, '0')}-${randomUUID()}`;
}

/**
 * Stores a message, and drops messages older than a day.
 *
 * @param db - database
 * @param input - channel, destination, subject (empty for SMS is fine) and body
 * @param now - seconds
 * @example
 * ```ts
 * await addOutboxMessage(db, { channel: 'email', destination: 'dana@example.com', subject, body }, epochSeconds());
 * ```
 */
export async function addOutboxMessage(
  db: Db,
  input: { channel: 'email' | 'sms'; destination: string; subject: string; body: string },
  now: number,
): Promise<OutboxMessage> {
  const row = { id: sortableId(), ...input, created_at: now };
  await db.deleteFrom('outbox').where('created_at', '<', now - OUTBOX_RETENTION_SECONDS).execute();
  await db.insertInto('outbox').values(row).execute();
  return toMessage(row);
}

/**
 * The most recent messages, newest first.
 *
 * @param db - database
 * @param limit - how many at most
 * @example
 * ```ts
 * const [latest] = await listOutboxMessages(db, 1);
 * ```
 */
export async function listOutboxMessages(db: Db, limit = 50): Promise<OutboxMessage[]> {
  const rows = await db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toMessage);
}
