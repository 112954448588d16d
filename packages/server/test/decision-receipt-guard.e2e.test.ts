// The app verifies the decision API's receipt with @stepwise/guard: a real
// receipt for the expected action and decision passes; one for another
// action, decision, user or API key, an access token in its place, and a
// receipt too weak for the requirement are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGuard, type StepwiseGuard } from '@stepwise/guard';
import { DEMO_USER } from '../src/index.js';
import { startDecisionServer } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { userIdOf } from './support/threat-kit.js';

describe('step-up receipts verified with @stepwise/guard', () => {
  let server: TestServer;
  let keyName = '';
  let subject = '';
  let guard: StepwiseGuard;
  let receipt = '';
  const decisionId = 'dec_example';

  before(async () => {
    ({ server, keyName } = await startDecisionServer());
    subject = await userIdOf(server, DEMO_USER.username);
    guard = createGuard({ issuer: server.issuer, audience: `${server.issuer}/unused` });
    const { services } = server.server;
    const now = services.now();
    receipt = await services.tokenKeys.sign({
      iss: server.issuer, sub: subject, aud: keyName, iat: now, exp: now + 300, jti: 'rcp_1',
      acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: now, decision_id: decisionId, action: 'transfer.create', challenge_id: 'chl_1',
    }, 'stepwise-receipt+jwt');
  });
  after(async () => server.destroy());

  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as { code: string; reason?: string; details: { reason?: string } };
    }
    assert.fail('expected a refusal');
  };

  test('a receipt for the expected action, decision and user verifies', async () => {
    const verified = await guard.verifyReceipt(receipt, { audience: keyName, action: 'transfer.create', decisionId, subject }, { acr: 'aal2', maxAge: 300 });
    assert.equal(verified.subject, subject);
    assert.equal(verified.acr, 'aal2');
    assert.equal(verified.decisionId, decisionId);
    assert.equal(verified.jti, 'rcp_1');
    assert.equal(verified.challengeId, 'chl_1');
  });

  test('another action, decision or user: ERR_TOKEN_INVALID reason receipt', async () => {
    for (const expected of [{ action: 'account.delete' }, { decisionId: 'dec_other' }, { subject: 'someone-else' }]) {
      const error = await refusal(guard.verifyReceipt(receipt, { audience: keyName, ...expected }));
      assert.equal(error.code, 'ERR_TOKEN_INVALID');
      assert.equal(error.details.reason, 'receipt');
    }
  });

  test("another API key's receipt: reason audience; an access token instead: reason type", async () => {
    assert.equal((await refusal(guard.verifyReceipt(receipt, { audience: 'other-app' }))).details.reason, 'audience');
    const { services } = server.server;
    const now = services.now();
    const accessToken = await services.tokenKeys.sign({ iss: server.issuer, sub: subject, aud: keyName, exp: now + 60, acr: 'aal2', amr: ['pwd'], auth_time: now, decision_id: decisionId, action: 'transfer.create', jti: 'x' }, 'at+jwt');
    assert.equal((await refusal(guard.verifyReceipt(accessToken, { audience: keyName }))).details.reason, 'type');
  });

  test('a receipt weaker than the requirement is refused with the RFC 9470 error', async () => {
    const error = await refusal(guard.verifyReceipt(receipt, { audience: keyName }, { acr: 'aal3' }));
    assert.equal(error.code, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
  });
});
