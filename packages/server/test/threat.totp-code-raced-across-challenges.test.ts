// The attacker has watched the victim type an authenticator-app code and
// sends it to a second challenge at the same moment as the victim's own
// answer. The code's time step is spent in the same transaction that
// satisfies a challenge, so of two answers racing with one code exactly one
// gets a receipt; the other is refused as a reused code (and counted as a
// failed attempt), never given a second receipt.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callApi, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import type { Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('threat: one TOTP code raced into two challenges', () => {
  let server: TestServer;
  let key = '';
  let subject = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server.destroy());

  const openChallenge = async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', resource: { amount: 50 } } });
    assert.equal(answer.body.decision, 'step_up', JSON.stringify(answer.body));
    return (answer.body.challenge as { id: string }).id;
  };

  test('of two answers with the same code at once, one gets a receipt and the other ERR_CODE_REUSED', async () => {
    // The next time step is the one code the window still accepts (enrollment spent the current one).
    {
      const offset = 1;
      const code = totpForStep(totp.secret, totp.step + offset);
      const ids = await Promise.all([openChallenge(), openChallenge()]);
      const answers = await Promise.all(ids.map((id) => callApi(server, `/v1/challenges/${id}/verify`, { key, body: { method: 'totp', code } })));
      const receipts = answers.filter((answer) => answer.status === 200 && typeof answer.body.receipt === 'string');
      const refused = answers.filter((answer) => answer.status === 400 && answer.body.error === 'ERR_CODE_REUSED');
      assert.equal(receipts.length, 1, `exactly one receipt for step +${offset}: ${JSON.stringify(answers.map((answer) => [answer.status, answer.body.error ?? answer.body.state]))}`);
      assert.equal(refused.length, 1, 'the other answer is refused as a reused code');
      const loser = ids[answers.indexOf(refused[0]!)]!;
      const state = await callApi(server, `/v1/challenges/${loser}`, { key });
      assert.equal(state.body.state, 'pending', 'the losing challenge keeps waiting for a fresh code');
      assert.equal(state.body.receipt, undefined);
    }
  });
});
