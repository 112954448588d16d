// The attacker holds the victim's session or the app's screen and guesses
// codes for a decision API challenge. After the fifth wrong code the
// challenge is dead: failed, even for the right code, and it never gives a
// receipt. A code accepted once cannot be replayed into it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callApi, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { wrongCodes, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('threat: guessing and replaying codes for a challenge', () => {
  let server: TestServer;
  let key = '';
  let subject = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server.destroy());

  const openChallenge = async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'account.delete', resource: {} } });
    return (answer.body.challenge as { id: string }).id;
  };

  test('five wrong codes fail the challenge; the right code is then refused and no receipt exists', async () => {
    const id = await openChallenge();
    const guesses = wrongCodes(totp.secret, 5);
    for (const [index, code] of guesses.entries()) {
      const answer = await callApi(server, `/v1/challenges/${id}/verify`, { key, body: { method: 'totp', code } });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error, 'ERR_CODE_INVALID');
      assert.equal(answer.body.attempts_left, 4 - index);
    }
    const right = await callApi(server, `/v1/challenges/${id}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(right.status, 409);
    assert.equal(right.body.error, 'ERR_CHALLENGE_FAILED');
    const state = await callApi(server, `/v1/challenges/${id}`, { key });
    assert.equal(state.body.state, 'failed');
    assert.equal(state.body.receipt, undefined);
  });

  test('a code accepted once cannot be replayed into the same challenge', async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', resource: { amount: 9000 } } });
    const id = (answer.body.challenge as { id: string }).id;
    // The password is not in this challenge's proof (no token): a code alone cannot reach aal2.
    const first = await callApi(server, `/v1/challenges/${id}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(first.status, 200);
    assert.equal(first.body.requirement_met, false);
    assert.equal(first.body.state, 'pending');
    const replay = await callApi(server, `/v1/challenges/${id}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(replay.body.error, 'ERR_CODE_REUSED');
  });
});
