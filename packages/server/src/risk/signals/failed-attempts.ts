import type { RiskSignal } from '@stepwise/core';
import type { RiskConfig } from '../../config/policy-schema.js';
import { countFailures } from '../../storage/attempts.js';
import type { Db } from '../../storage/database.js';
import { findUserById } from '../../storage/users.js';
import { plainAddress } from '../ip-address.js';
import type { RiskContext } from '../risk-engine.js';

/**
 * The attempt counters that sign-in and the code checks keep: wrong
 * passwords per username (`login:user:`), wrong codes per account
 * (`account:`), wrong passwords per client address (`login:ip:`).
 *
 * @param username - the user's normalized username, if known
 * @param userId - the user
 * @param ip - the client address, if known; sign-in counts it as the socket
 *   reported it, so an IPv4-mapped form (`::ffff:…`) is counted under both spellings
 * @example
 * ```ts
 * failureKeys('alice', 'u1', '203.0.113.9') // { user: ['login:user:alice', 'account:u1'], ip: ['login:ip:203.0.113.9'] }
 * ```
 */
export function failureKeys(username: string | undefined, userId: string, ip: string | undefined): { user: string[]; ip: string[] } {
  const spellings = ip === undefined ? [] : [...new Set([ip, plainAddress(ip) ?? ip])];
  return {
    user: [...(username === undefined ? [] : [`login:user:${username}`]), `account:${userId}`],
    ip: spellings.map((spelling) => `login:ip:${spelling}`),
  };
}

/**
 * `failed_attempts`: many recent failures for this user (wrong passwords
 * for their username plus wrong codes on their account) or from this
 * address: at least `perUser` or `perIp` in a counter window that opened
 * within the last `windowSeconds`. A successful password sign-in clears the
 * username's password counter, so after it only code failures and the
 * address's failures remain.
 *
 * @param db - the attempt counters and users
 * @param settings - `config.risk.failedAttempts`
 * @example
 * ```ts
 * const finding = await failedAttemptsSignal(db, config.risk.failedAttempts).evaluate({ userId, ip, time: now });
 * // { code: 'failed_attempts', evidence: { user_failures: 4, ip_failures: 0, window_seconds: 900 } }
 * ```
 */
export function failedAttemptsSignal(db: Db, settings: RiskConfig['failedAttempts']): RiskSignal<RiskContext> {
  return {
    code: 'failed_attempts',
    description: 'recent failed sign-in or code attempts for this user or from this address',
    async evaluate(context) {
      const username = context.username ?? (await findUserById(db, context.userId))?.username;
      const keys = failureKeys(username, context.userId, context.ip);
      const total = async (list: string[]) =>
        (await Promise.all(list.map((key) => countFailures(db, key, context.time, settings.windowSeconds)))).reduce((sum, n) => sum + n, 0);
      const [userFailures, ipFailures] = await Promise.all([total(keys.user), total(keys.ip)]);
      if (userFailures < settings.perUser && ipFailures < settings.perIp) return undefined;
      return { code: 'failed_attempts', evidence: { user_failures: userFailures, ip_failures: ipFailures, window_seconds: settings.windowSeconds } };
    },
  };
}
