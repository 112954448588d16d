// Stepwise as the step-up benchmark runs it: createServer(loadConfig(...))
// from packages/server/dist on SQLite in a temporary folder, with one policy
// rule (a transfer needs aal2) and users seeded through its storage modules,
// each with a confirmed TOTP factor of its own and an aal1 token (a
// password sign-in, `amr: ["pwd"]`) signed with the server's own key, as an
// ID token it issued would be. A decision for such a user with that token
// answers step_up with a challenge that one TOTP code completes. The first
// batch of challenges is opened at start-up: one decision through the
// decision API's own function (makeDecision), and the rest as copies of its
// challenge row for each user in turn (insertChallenge, the storage call
// that decision made; a decision costs milliseconds here, a row far less).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiKeys, createServer, epochSeconds, loadConfig, users } from '../../packages/server/dist/src/index.js';
import { generateTotpSecret, totpSecretContext } from '../../packages/server/dist/src/factors/totp.js';
import { parseDecisionRequest } from '../../packages/server/dist/src/decisions/decision-request.js';
import { makeDecision, newId } from '../../packages/server/dist/src/decisions/make-decision.js';
import { findApiKey } from '../../packages/server/dist/src/storage/api-keys.js';
import { findChallenge, insertChallenge } from '../../packages/server/dist/src/storage/challenges.js';
import { createFactor } from '../../packages/server/dist/src/storage/factors.js';

/** The action the decisions ask about; the only rule asks aal2 for it. */
export const STEP_UP_ACTION = 'transfer.create';
/** The transfer every decision is about. */
export const STEP_UP_RESOURCE = Object.freeze({ amount: 5000, currency: 'EUR', payee: 'ACME' });
/** Where every decision says the user is. */
export const STEP_UP_CONTEXT = Object.freeze({ ip: '203.0.113.7', user_agent: 'bench', device_id: 'dev-1' });

/**
 * The body of `POST /v1/decisions` for a user with its aal1 token: step_up aal2.
 *
 * @param {{ id: string, token: string }} user
 */
export function stepUpDecisionBody(user) {
  return { subject: user.id, action: STEP_UP_ACTION, resource: STEP_UP_RESOURCE, context: STEP_UP_CONTEXT, token: user.token };
}

const POLICY = {
  default: { acr: 'aal1' },
  rules: [{ name: 'transfer-needs-aal2', when: `action == "${STEP_UP_ACTION}"`, require: { acr: 'aal2' } }],
};
// Long enough for every round of a long run to find its challenges pending.
const CHALLENGE_TTL_SECONDS = 3600;
const TOKEN_LIFETIME_SECONDS = 6 * 3600;
// One transaction per batch: SQLite syncs once per commit, not once per row.
const SEED_BATCH = 500;

async function seedUsers(server, count) {
  const { db } = server.database;
  const { box, tokenKeys, config } = server.services;
  const now = epochSeconds();
  const seeded = [];
  for (let start = 0; start < count; start += SEED_BATCH) {
    await db.transaction().execute(async (trx) => {
      for (let index = start; index < Math.min(count, start + SEED_BATCH); index += 1) {
        const user = await users.createUser(trx, { username: `stepup-${index}`, passwordHash: null });
        const secret = generateTotpSecret();
        const factorId = `totp-${user.id}`;
        await createFactor(trx, {
          id: factorId, userId: user.id, method: 'totp', name: 'app', secret: box.seal(secret, totpSecretContext(factorId)), confirmedAt: now - 60,
        });
        seeded.push({ id: user.id, secret });
      }
    });
  }
  for (const user of seeded) {
    user.token = await tokenKeys.sign(
      { iss: config.issuer, sub: user.id, aud: 'stepup-backend', iat: now, exp: now + TOKEN_LIFETIME_SECONDS, acr: 'aal1', amr: ['pwd'], auth_time: now },
      'JWT',
    );
  }
  return seeded;
}

async function openChallenges(server, apiKeySecret, seeded, count) {
  const { services } = server;
  const { db } = server.database;
  for (const user of seeded) user.pending = [];
  if (count === 0) return;
  const apiKey = await findApiKey(db, apiKeySecret);
  const [first] = seeded;
  const answer = await makeDecision(services, apiKey, parseDecisionRequest(stepUpDecisionBody(first), services.config.authorizationDetails.types));
  if (answer.decision !== 'step_up' || !answer.challenge) throw new Error(`a decision for ${first.id} answered ${answer.decision}, not step_up`);
  first.pending.push(answer.challenge.id);
  const template = await findChallenge(db, answer.challenge.id, epochSeconds());
  for (let start = 1; start < count; start += SEED_BATCH) {
    await db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(count, start + SEED_BATCH); i += 1) {
        const user = seeded[i % seeded.length];
        const id = newId('chl');
        await insertChallenge(trx, {
          id, decisionId: newId('dec'), apiKeyId: template.apiKeyId, userId: user.id, action: template.action, requirement: template.requirement,
          returnTo: null, createdAt: template.createdAt, expiresAt: template.expiresAt, priorEvents: template.priorEvents,
        });
        user.pending.push(id);
      }
    });
  }
}

/**
 * Starts Stepwise on 127.0.0.1 (port 0) with `count` seeded users, one API
 * key and `challenges` challenges opened for them in turn.
 *
 * @param {string} dir - a temporary folder: stepwise.yaml and the database
 * @param {number} count - users to seed
 * @param {number} challenges - challenges to open
 * @returns {Promise<{ port: number, setup: { apiKey: string, users: Array<{ id: string, secret: string, token: string, pending: string[] }> }, close: () => Promise<void> }>}
 *   secret: base32 TOTP secret; token: the user's aal1 token; pending: its open challenges
 */
export async function startStepwise(dir, count, challenges) {
  const file = path.join(dir, 'stepwise.yaml');
  // JSON is YAML: the sections an operator would write.
  const yaml = {
    issuer: 'http://127.0.0.1', host: '127.0.0.1', port: 0, data_dir: dir, log_level: 'silent',
    policy: POLICY, decisions: { challenge_ttl: CHALLENGE_TTL_SECONDS },
  };
  writeFileSync(file, `${JSON.stringify(yaml, null, 2)}\n`);
  const server = await createServer(loadConfig({ file, env: {} }));
  const { key } = await apiKeys.createApiKey(server.database.db, { name: 'stepup-backend', returnTo: [] }, epochSeconds());
  const seeded = await seedUsers(server, count);
  await openChallenges(server, key, seeded, challenges);
  const url = await server.listen();
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.app.server.keepAliveTimeout = 60_000;
  return { port: Number(new URL(url).port), setup: { apiKey: key, users: seeded }, close: () => server.close() };
}
