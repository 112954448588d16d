import { admins, epochSeconds, users, type Database } from '@stepwise/server';
import { SimpleError } from '@stepwise/core';
import { UsageError, type Output } from '../output.js';

async function userNamed(database: Database, username: string) {
  const user = await users.findUserByUsername(database.db, username);
  if (!user) throw new SimpleError('ERR_USER_NOT_FOUND', `no user named "${username}"`);
  return user;
}

/**
 * `stepwise admins grant|revoke|list`: who may open the admin console. An
 * admin is an ordinary Stepwise user with the admin role; the console also
 * asks them for their second factor.
 *
 * @param database - the open database
 * @param args - sub-command and its arguments
 * @param output - where to print
 * @example
 * ```ts
 * await adminsCommand(database, ['grant', 'alice'], processOutput);
 * ```
 */
export async function adminsCommand(database: Database, args: string[], output: Output): Promise<void> {
  const [action, username] = args;
  switch (action) {
    case 'grant': {
      if (!username) throw new UsageError('admins grant needs a username');
      const user = await userNamed(database, username);
      const granted = await admins.grantAdmin(database.db, { userId: user.id, grantedBy: 'cli', now: epochSeconds() });
      output.out(granted ? `granted the admin role to ${user.username}` : `${user.username} is already an admin`);
      return;
    }
    case 'revoke': {
      if (!username) throw new UsageError('admins revoke needs a username');
      const user = await userNamed(database, username);
      const revoked = await admins.revokeAdmin(database.db, user.id);
      output.out(revoked ? `revoked the admin role of ${user.username}` : `${user.username} is not an admin`);
      return;
    }
    case 'list': {
      const all = await admins.listAdmins(database.db);
      if (all.length === 0) output.out('no admins');
      for (const admin of all) {
        output.out(`${admin.username}\t${admin.userId}\t${new Date(admin.grantedAt * 1000).toISOString()}\t${admin.grantedBy}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown admins action "${action ?? ''}"`);
  }
}
