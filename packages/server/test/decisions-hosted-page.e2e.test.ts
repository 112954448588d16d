// The hosted challenge page: the app sends the user to challenge.url; the
// user, signed in with the password only, is asked for the missing factor
// (their authenticator app), and is sent back to the API key's registered
// return_to with the challenge id; the app then reads the receipt.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_USER } from '../src/index.js';
import { errorCodeOf } from './support/browser.js';
import { callApi, startDecisionServerWithTotp } from './support/decision-kit.js';
import { browserFor, type TestServer } from './support/harness.js';
import { addUser, signIn, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('the hosted challenge page', () => {
  let server: TestServer;
  let key = '';
  let subject = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server.destroy());

  async function largeTransfer(returnTo?: string) {
    const answer = await callApi(server, '/v1/decisions', {
      key,
      body: { subject, action: 'transfer.create', resource: { amount: 5000 }, ...(returnTo ? { return_to: returnTo } : {}) },
    });
    assert.equal(answer.body.decision, 'step_up', JSON.stringify(answer.body));
    return answer.body.challenge as { id: string; url: string };
  }

  test('without a session the page asks to sign in, then only for the missing factor, and returns to the app', async () => {
    const challenge = await largeTransfer('http://127.0.0.1:9/stepped-up');
    const browser = browserFor(server);
    const login = await browser.go(challenge.url);
    assert.match(login.url, /\/login\?return_to=%2Fchallenge%2Fchl_/);
    const page = await browser.submit(login, { username: DEMO_USER.username, password: DEMO_USER.password }, '/login');
    assert.ok(page.url.endsWith(`/challenge/${challenge.id}`), page.url);
    assert.match(page.body, /bank-backend asks you to confirm “transfer\.create”/);
    assert.match(page.body, /authenticator app/i);
    const landing = await browser.submit(page, { code: totpForStep(totp.secret, totp.step + 1) }, '/totp');
    assert.equal(landing.url, `http://127.0.0.1:9/stepped-up?challenge_id=${challenge.id}`);

    const done = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(done.body.state, 'satisfied');
    assert.match(String(done.body.receipt), /^ey/);
    // Opening the page again only sends the user back: one challenge, one receipt.
    const again = await browser.go(challenge.url);
    assert.equal(again.url, landing.url);
    assert.equal((await callApi(server, `/v1/challenges/${challenge.id}`, { key })).body.receipt, done.body.receipt);
  });

  test('a return_to not registered for the API key is refused', async () => {
    const answer = await callApi(server, '/v1/decisions', {
      key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, return_to: 'https://evil.example/steal' },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'ERR_RETURN_TO_NOT_REGISTERED');
    assert.equal(answer.body.field, 'return_to');
  });

  test('another signed-in user cannot answer the challenge', async () => {
    const challenge = await largeTransfer();
    await addUser(server, { username: 'mallory', password: 'mallory-password-1' });
    const { browser } = await signIn(server, { username: 'mallory', password: 'mallory-password-1' });
    const page = await browser.go(challenge.url);
    assert.equal(page.status, 403);
    assert.equal(errorCodeOf(page), 'ERR_CHALLENGE_WRONG_USER');
    assert.equal((await callApi(server, `/v1/challenges/${challenge.id}`, { key })).body.state, 'pending');
  });
});
