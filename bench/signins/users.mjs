// The sign-in benchmark's users: seeded through storage on the shared
// PostgreSQL, each with the same password and an authenticator app (TOTP)
// secret of its own, and handed out so that no user's TOTP time step is
// used twice (Stepwise refuses a replayed step: advanceLastUsedStep).

import { epochSeconds, hashPassword, SecretBox, users } from '../../packages/server/dist/src/index.js';
import { generateTotpSecret, totpSecretContext, TOTP_PERIOD_SECONDS } from '../../packages/server/dist/src/factors/totp.js';
import { createFactor } from '../../packages/server/dist/src/storage/factors.js';
import { BENCH_PASSWORD } from './password.mjs';

export { BENCH_PASSWORD } from './password.mjs';

const SEED_WORKERS = 8;

/**
 * Creates `count` users with a password and a confirmed TOTP factor each.
 * The password is hashed once and stored for all: a verification costs the
 * same whichever salt it checks, and seeding thousands of hashes would take
 * longer than the measurements.
 *
 * @param {import('kysely').Kysely<any>} db - the shared database
 * @param {{ count: number, prefix: string, secretKeys: import('../../packages/server/dist/src/crypto/secret-box.js').SecretKey[] }} spec
 * @returns {Promise<Array<{ index: number, id: string, username: string, secret: string }>>}
 */
export async function seedUsers(db, { count, prefix, secretKeys }) {
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const box = new SecretBox(secretKeys);
  const seeded = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const user = await users.createUser(db, { username: `${prefix}-${index}`, passwordHash });
      const secret = generateTotpSecret();
      const factorId = `totp-${user.id}`;
      await createFactor(db, {
        id: factorId, userId: user.id, method: 'totp', name: 'app', secret: box.seal(secret, totpSecretContext(factorId)), confirmedAt: epochSeconds() - 60,
      });
      seeded[index] = { index, id: user.id, username: user.username, secret };
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_WORKERS, count) }, worker));
  return seeded;
}

/**
 * Hands out users in turn, each at most once per TOTP time step; throws
 * rather than hand out one whose step is spent (seed more users).
 *
 * @param {Array<{ index: number }>} seeded
 * @returns {{ next: () => object, handedOut: () => number }}
 */
export function userPool(seeded) {
  const lastStep = new Map();
  let cursor = 0;
  let count = 0;
  return {
    next() {
      const user = seeded[cursor];
      cursor = (cursor + 1) % seeded.length;
      const step = Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS);
      if ((lastStep.get(user.index) ?? -Infinity) >= step) {
        throw new Error(`user ${user.username} would reuse a TOTP step: seed more than ${seeded.length} users for this rate`);
      }
      lastStep.set(user.index, step);
      count += 1;
      return user;
    },
    handedOut: () => count,
  };
}

/**
 * A client address of its own for each user, in 198.18.0.0/15 (RFC 2544,
 * set aside for benchmarks), sent as X-Forwarded-For to nodes that trust
 * loopback proxies: sign-ins come from many addresses, not one that the
 * per-IP form limit (60 a minute) would stop.
 *
 * @param {number} index - the user's index
 */
export function clientAddress(index) {
  return `198.${18 + ((index >> 16) & 1)}.${(index >> 8) & 255}.${index & 255}`;
}
