import { randomBytes } from 'node:crypto';
import { hashPassword, users, type Database } from '@stepwise/server';
import { SimpleError } from '@stepwise/core';
import { UsageError, type Output } from '../output.js';

/** Options of `stepwise users`. */
export interface UsersOptions {
  readonly password?: string | undefined;
  readonly email?: string | undefined;
  readonly name?: string | undefined;
}

/**
 * `stepwise users add|list|disable|enable`.
 *
 * @param database - the open database
 * @param args - sub-command and its arguments
 * @param options - flags
 * @param output - where to print
 */
export async function usersCommand(database: Database, args: string[], options: UsersOptions, output: Output): Promise<void> {
  const [action, username] = args;
  const { db } = database;
  switch (action) {
    case 'add': {
      if (!username) throw new UsageError('users add needs a username');
      const password = options.password ?? randomBytes(12).toString('base64url');
      const user = await users.createUser(db, {
        username,
        passwordHash: await hashPassword(password),
        email: options.email ?? null,
        displayName: options.name ?? null,
      });
      output.out(`created user ${user.username} (id ${user.id})`);
      if (!options.password) output.out(`password: ${password}   (shown once; the user should change it)`);
      return;
    }
    case 'list': {
      const all = await users.listUsers(db);
      if (all.length === 0) output.out('no users');
      for (const user of all) {
        output.out(`${user.username}\t${user.id}\t${user.disabled ? 'disabled' : 'active'}\t${user.email ?? ''}`);
      }
      return;
    }
    case 'disable':
    case 'enable': {
      if (!username) throw new UsageError(`users ${action} needs a username`);
      const user = await users.findUserByUsername(db, username);
      if (!user) throw new SimpleError('ERR_USER_NOT_FOUND', `no user named "${username}"`);
      await users.setUserDisabled(db, user.id, action === 'disable');
      output.out(`${action}d user ${user.username}`);
      return;
    }
    default:
      throw new UsageError(`unknown users action "${action ?? ''}"`);
  }
}
