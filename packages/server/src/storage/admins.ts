import type { Db } from './database.js';

/** A user granted the admin role: who, when (epoch seconds), by whom. */
export interface AdminGrant {
  readonly userId: string;
  readonly username: string;
  readonly grantedAt: number;
  /** `cli`, `demo`, or `admin:<username>`. */
  readonly grantedBy: string;
}

/**
 * Whether a user holds the admin role.
 *
 * @param db - database
 * @param userId - the user
 * @example
 * ```ts
 * if (!(await isAdmin(db, state.user.id))) throw new SimpleError('ERR_ADMIN_REQUIRED');
 * ```
 */
export async function isAdmin(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('admins').select('user_id').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Grants the admin role. Granting twice keeps the first grant.
 *
 * @param db - database
 * @param input - the user, who grants it and when (epoch seconds)
 * @returns whether the user was not an admin before
 * @example
 * ```ts
 * await grantAdmin(db, { userId: user.id, grantedBy: 'cli', now: epochSeconds() });
 * ```
 */
export async function grantAdmin(db: Db, input: { userId: string; grantedBy: string; now: number }): Promise<boolean> {
  const result = await db
    .insertInto('admins')
    .values({ user_id: input.userId, granted_at: input.now, granted_by: input.grantedBy })
    .onConflict((conflict) => conflict.column('user_id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/**
 * Takes the admin role away; the user's sessions stay, but open no console page.
 *
 * @param db - database
 * @param userId - the user
 * @returns whether the user was an admin
 */
export async function revokeAdmin(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('admins').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Every admin, ordered by username.
 *
 * @param db - database
 */
export async function listAdmins(db: Db): Promise<AdminGrant[]> {
  const rows = await db
    .selectFrom('admins')
    .innerJoin('users', 'users.id', 'admins.user_id')
    .select(['admins.user_id', 'users.username', 'admins.granted_at', 'admins.granted_by'])
    .orderBy('users.username')
    .execute();
  return rows.map((row) => ({ userId: row.user_id, username: row.username, grantedAt: row.granted_at, grantedBy: row.granted_by }));
}
