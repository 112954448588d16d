// Threat: an attacker with the password (or a stolen session cookie) removes
// the victim's authenticator app, so that the password alone passes from then
// on. Removal needs a TOTP step-up from the last five minutes: a password-only
// session, or one whose code is older than that, is refused with 401
// ERR_STEP_UP_REQUIRED and the app stays. A session of another user cannot
// remove it either, however fresh its own step-up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from './support/browser.js';
import { startTestServer, type TestServer } from './support/harness.js';
import {
  addPastEvent,
  addUser,
  confirmedFactorIds,
  DEMO,
  enrollTotp,
  errorCodeIn,
  send,
  signIn,
  userIdOf,
  type Answer,
  type Enrolled,
} from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('removing an authenticator app without a fresh step-up', () => {
  let server: TestServer;
  let enrolled: Enrolled;
  let victimId = '';
  const removeUrl = () => `${server.issuer}/account/factors/${enrolled.factorId}/remove`;

  before(async () => {
    server = await startTestServer();
    victimId = await userIdOf(server, DEMO.username);
    enrolled = await enrollTotp((await signIn(server)).browser, server.issuer);
  });
  after(async () => server.destroy());

  async function postRemove(browser: Browser, csrf: string, accept = 'application/json'): Promise<Answer> {
    return send(removeUrl(), { browser, accept, form: { _csrf: csrf } });
  }

  function assertStepUpRequired(answer: Answer): void {
    assert.equal(answer.status, 401, answer.body.slice(0, 300));
    assert.equal(errorCodeIn(answer), 'ERR_STEP_UP_REQUIRED');
  }

  test('a password-only session is refused, in JSON and as a page, and the app stays', async () => {
    const { browser, csrf } = await signIn(server);
    const json = await postRemove(browser, csrf);
    assertStepUpRequired(json);
    assert.deepEqual(JSON.parse(json.body), {
      error: 'ERR_STEP_UP_REQUIRED', message: 'A fresh step-up is needed for this change', acr_values: 'aal2', max_age: 300,
    });
    assert.equal((await postRemove(browser, csrf, 'text/html')).status, 401);
    assert.deepEqual(await confirmedFactorIds(server, victimId), [enrolled.factorId]);
  });

  test('the confirmation page sends a password-only session to /step-up first', async () => {
    const { browser } = await signIn(server);
    const answer = await browser.request(removeUrl());
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), `/step-up?return_to=${encodeURIComponent(`/account/factors/${enrolled.factorId}/remove`)}`);
  });

  test('a TOTP step-up just over five minutes old does not count, even beside a fresh password', async () => {
    const { browser, csrf } = await signIn(server);
    await addPastEvent(server, browser, victimId, { method: 'totp', authenticatorId: enrolled.factorId, secondsAgo: 301 });
    assertStepUpRequired(await postRemove(browser, csrf));
    assert.deepEqual(await confirmedFactorIds(server, victimId), [enrolled.factorId]);
  });

  test("another user's session with a fresh step-up cannot remove the victim's app", async () => {
    const mallory = { username: 'mallory', password: 'mallory password' };
    await addUser(server, mallory);
    const { browser, csrf } = await signIn(server, mallory);
    await enrollTotp(browser, server.issuer);
    const answer = await postRemove(browser, csrf);
    assert.equal(answer.status, 404);
    assert.equal(errorCodeIn(answer), 'ERR_FACTOR_NOT_ENROLLED');
    assert.deepEqual(await confirmedFactorIds(server, victimId), [enrolled.factorId]);
  });

  test('after a fresh step-up with a code, the same session removes it', async () => {
    const { browser, csrf } = await signIn(server);
    await addPastEvent(server, browser, victimId, { method: 'totp', authenticatorId: enrolled.factorId, secondsAgo: 600 });
    assertStepUpRequired(await postRemove(browser, csrf));

    const stepUp = await browser.go(removeUrl());
    assert.equal(new URL(stepUp.url).pathname, '/step-up');
    const confirm = await browser.submit(stepUp, { code: totpForStep(enrolled.secret, enrolled.step + 1) }, '/step-up');
    assert.equal(new URL(confirm.url).pathname, `/account/factors/${enrolled.factorId}/remove`);
    const done = await browser.submit(confirm, {}, '/remove');
    assert.equal(done.status, 200);
    assert.equal(new URL(done.url).search, '?done=factor-removed');
    assert.deepEqual(await confirmedFactorIds(server, victimId), []);
  });
});
