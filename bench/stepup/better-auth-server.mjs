// Baseline B of the step-up benchmark: better-auth with its two-factor
// plugin on node:http (toNodeHandler), over a better-sqlite3 database in a
// temporary folder with the pragmas Stepwise's SQLite uses (WAL, foreign
// keys, busy timeout). Users are seeded through better-auth's own adapters,
// each with a password account, two-factor enabled and a verified TOTP
// secret of its own (a 32-character string, as better-auth generates it).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { symmetricEncrypt } from 'better-auth/crypto';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { twoFactor } from 'better-auth/plugins/two-factor';

/** The origin the load generator sends, trusted by the server (better-auth checks it on cookie-bearing posts). */
export const BETTER_AUTH_ORIGIN = 'http://stepup.bench';
/** Every seeded user's password. */
export const BETTER_AUTH_PASSWORD = 'correct horse battery staple';

// Sign-ins only prepare the pending two-factor states, outside the measured
// window: a fast hash keeps that preparation short. verify-totp, the path
// measured, never hashes a password.
const fastPasswordHash = {
  hash: async (password) => createHash('sha256').update(password).digest('hex'),
  verify: async ({ hash, password }) => timingSafeEqual(Buffer.from(hash), Buffer.from(createHash('sha256').update(password).digest('hex'))),
};

function openDatabase(dir) {
  const sqlite = new Database(path.join(dir, 'better-auth.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

async function seedUsers(auth, count) {
  const context = await auth.$context;
  const passwordHash = await fastPasswordHash.hash(BETTER_AUTH_PASSWORD);
  const seeded = [];
  for (let index = 0; index < count; index += 1) {
    const user = await context.internalAdapter.createUser({ email: `stepup-${index}@bench.example`, name: `Bench ${index}`, emailVerified: true });
    await context.internalAdapter.updateUser(user.id, { twoFactorEnabled: true });
    await context.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: passwordHash });
    const secret = randomBytes(24).toString('base64url');
    await context.adapter.create({
      model: 'twoFactor',
      data: {
        userId: user.id,
        secret: await symmetricEncrypt({ key: context.secretConfig, data: secret }),
        backupCodes: await symmetricEncrypt({ key: context.secretConfig, data: '[]' }),
        verified: true,
      },
    });
    seeded.push({ email: user.email, secret });
  }
  return seeded;
}

/**
 * Starts better-auth with the two-factor plugin on 127.0.0.1 and seeds `count` users.
 *
 * @param {string} dir - a temporary folder for the database
 * @param {number} count - users to seed
 * @returns {Promise<{ port: number, setup: { users: Array<{ email: string, secret: string }> }, close: () => Promise<void> }>}
 *   secret: the TOTP key as better-auth uses it (its UTF-8 bytes)
 */
export async function startBetterAuth(dir, count) {
  const database = openDatabase(dir);
  const auth = betterAuth({
    appName: 'Stepwise bench',
    baseURL: BETTER_AUTH_ORIGIN,
    trustedOrigins: [BETTER_AUTH_ORIGIN],
    secret: randomBytes(32).toString('base64url'),
    database,
    emailAndPassword: { enabled: true, password: fastPasswordHash },
    // Pending sign-ins live as long as Stepwise's challenges here, so that those left over from one round serve the next.
    plugins: [twoFactor({ issuer: 'Stepwise bench', twoFactorCookieMaxAge: 3600 })],
    // Every request comes from one address: its per-IP limits would refuse the load, as Stepwise's are lifted by spreading addresses.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const users = await seedUsers(auth, count);
  const server = http.createServer(toNodeHandler(auth));
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    setup: { users },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      database.close();
    },
  };
}
