// The attacker gets a bound receipt for a payment the user never saw: the
// user's browser session already holds a fresh second factor (they stepped
// up a minute ago for something else), so opening the hosted page of a
// challenge for "Pay 5,000.00 EUR to ACME" (a link the attacker sends, an
// iframe, a redirect) would satisfy it at once and issue a receipt saying
// the user approved it. A bound challenge is met only by an answer given on
// the page that shows the transaction (as if max_age were 0); an unbound one
// still takes the fresh factor of the session.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callApi, paymentDetails, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { addPastEvent, signIn, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('threat: a bound challenge satisfied without the user seeing the transaction', () => {
  let server: TestServer;
  let key = '';
  let subject = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server.destroy());

  const transfer = async (bound: boolean) => {
    const answer = await callApi(server, '/v1/decisions', {
      key,
      body: {
        subject, action: 'transfer.create', resource: { amount: 5000 }, return_to: 'http://127.0.0.1:9/stepped-up',
        ...(bound ? { authorization_details: paymentDetails() } : {}),
      },
    });
    assert.equal(answer.body.decision, 'step_up', JSON.stringify(answer.body));
    return answer.body.challenge as { id: string; url: string };
  };
  const recentlySteppedUp = async () => {
    const { browser } = await signIn(server);
    await addPastEvent(server, browser, subject, { method: 'totp', authenticatorId: totp.factorId, secondsAgo: 60 });
    return browser;
  };

  test('an unbound challenge is met by the fresh factor of the session (unchanged)', async () => {
    const challenge = await transfer(false);
    const landing = await (await recentlySteppedUp()).go(challenge.url);
    assert.equal(landing.url, `http://127.0.0.1:9/stepped-up?challenge_id=${challenge.id}`);
    assert.equal((await callApi(server, `/v1/challenges/${challenge.id}`, { key })).body.state, 'satisfied');
  });

  test('a bound challenge shows the transaction and waits for an answer; the answer satisfies it', async () => {
    const challenge = await transfer(true);
    const browser = await recentlySteppedUp();
    const page = await browser.go(challenge.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /Pay 5,000\.00 EUR to ACME/);
    const pending = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(pending.body.state, 'pending');
    assert.equal(pending.body.receipt, undefined);

    const landing = await browser.submit(page, { code: totpForStep(totp.secret, totp.step + 1) }, '/totp');
    assert.equal(landing.url, `http://127.0.0.1:9/stepped-up?challenge_id=${challenge.id}`, landing.body.slice(0, 800));
    const done = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(done.body.state, 'satisfied');
    assert.match(String(done.body.receipt), /^ey/);
  });
});
