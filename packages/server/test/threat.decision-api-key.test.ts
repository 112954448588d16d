// The attacker calls the decision API without a key, with a made-up or
// malformed key, or with a key that was revoked, hoping for decisions or
// challenges about a user. Every call is refused before anything is decided.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiKeys, DEMO_USER, epochSeconds } from '../src/index.js';
import { callApi, startDecisionServer } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { userIdOf } from './support/threat-kit.js';

describe('threat: decision API calls without a valid API key', () => {
  let server: TestServer;
  let key = '';
  let body: Record<string, unknown>;

  before(async () => {
    ({ server, key } = await startDecisionServer());
    body = { subject: await userIdOf(server, DEMO_USER.username), action: 'transfer.create', resource: { amount: 5000 } };
  });
  after(async () => server.destroy());

  const decisionsStored = async () => (await server.server.database.db.selectFrom('decisions').select('id').execute()).length;

  test('no key: 401 ERR_API_KEY_MISSING', async () => {
    const answer = await callApi(server, '/v1/decisions', { body });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'ERR_API_KEY_MISSING');
  });

  test('a made-up key, a malformed one, and the right id with a wrong secret: 401 ERR_API_KEY_INVALID', async () => {
    const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const bad of ['sw_0000000000000000_' + 'A'.repeat(43), 'not-a-key', wrongSecret]) {
      const answer = await callApi(server, '/v1/decisions', { key: bad, body });
      assert.equal(answer.status, 401, bad);
      assert.equal(answer.body.error, 'ERR_API_KEY_INVALID');
    }
    assert.equal(await decisionsStored(), 0);
  });

  test('a revoked key is refused at once, for decisions and challenges', async () => {
    const created = await apiKeys.createApiKey(server.server.database.db, { name: 'to-revoke', returnTo: [] }, epochSeconds());
    const before = await callApi(server, '/v1/decisions', { key: created.key, body });
    assert.equal(before.status, 200);
    const challengeId = (before.body.challenge as { id: string }).id;
    await apiKeys.revokeApiKey(server.server.database.db, 'to-revoke', epochSeconds());
    const afterDecision = await callApi(server, '/v1/decisions', { key: created.key, body });
    assert.equal(afterDecision.status, 401);
    assert.equal(afterDecision.body.error, 'ERR_API_KEY_INVALID');
    const afterChallenge = await callApi(server, `/v1/challenges/${challengeId}`, { key: created.key });
    assert.equal(afterChallenge.body.error, 'ERR_API_KEY_INVALID');
  });

  test("one key cannot read or answer another key's challenge", async () => {
    const other = await apiKeys.createApiKey(server.server.database.db, { name: 'other-app', returnTo: [] }, epochSeconds());
    const mine = await callApi(server, '/v1/decisions', { key, body });
    const challengeId = (mine.body.challenge as { id: string }).id;
    const read = await callApi(server, `/v1/challenges/${challengeId}`, { key: other.key });
    assert.equal(read.status, 404);
    assert.equal(read.body.error, 'ERR_CHALLENGE_NOT_FOUND');
    const answer = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key: other.key, body: { method: 'totp', code: '123456' } });
    assert.equal(answer.body.error, 'ERR_CHALLENGE_NOT_FOUND');
  });
});
