// Threat: an attacker who has the password guesses six-digit TOTP codes.
// Within one step-up they get five tries, after which even the right code is
// refused; spreading guesses over many step-ups (new sessions, new OpenID
// Connect interactions) runs into the per-account limit
// (lockout.account_max_failures), which a server restart does not reset.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCodeOf, formOf, type Browser, type Page } from './support/browser.js';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { enrollTotp, errorCodeIn, send, signIn, wrongCodes, type Answer, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

async function stepUpForm(server: TestServer): Promise<{ browser: Browser; form: Page }> {
  const { browser } = await signIn(server);
  const form = await browser.go(`${server.issuer}/step-up?return_to=/account`);
  assert.match(form.body, /autocomplete="one-time-code"/);
  return { browser, form };
}

describe('five wrong codes in one step-up', () => {
  let server: TestServer;
  let enrolled: Enrolled;

  before(async () => {
    server = await startTestServer();
    enrolled = await enrollTotp((await signIn(server)).browser, server.issuer);
  });
  after(async () => server.destroy());

  test('the sixth try is refused with ERR_TOO_MANY_ATTEMPTS, even with the right code', async () => {
    const { browser, form } = await stepUpForm(server);
    for (const [index, code] of wrongCodes(enrolled.secret, 5).entries()) {
      const page = await browser.submit(form, { code }, '/step-up');
      assert.equal(page.status, 400, `try ${index + 1}`);
      assert.equal(errorCodeOf(page), 'ERR_CODE_INVALID', `try ${index + 1}`);
    }
    const right = await browser.submit(form, { code: totpForStep(enrolled.secret, enrolled.step + 1) }, '/step-up');
    assert.equal(right.status, 429);
    assert.equal(errorCodeOf(right), 'ERR_TOO_MANY_ATTEMPTS');

    const removal = await browser.request(`${server.issuer}/account/factors/${enrolled.factorId}/remove`);
    assert.equal(removal.status, 303, 'the refused right code gave no step-up');
    assert.match(removal.headers.get('location') ?? '', /^\/step-up\?/);
  });

  test('the exhausted step-up did not burn the code: a new step-up accepts it', async () => {
    const { browser, form } = await stepUpForm(server);
    const accepted = await browser.submit(form, { code: totpForStep(enrolled.secret, enrolled.step + 1) }, '/step-up');
    assert.equal(accepted.status, 200);
    assert.equal(new URL(accepted.url).pathname, '/account');
  });
});

describe('wrong codes spread over many step-ups lock the account', () => {
  const overrides = { lockout: { account_max_failures: 3 } };
  let server: TestServer;
  let enrolled: Enrolled;
  const lockedAnswers: Answer[] = [];

  before(async () => {
    server = await startTestServer({ overrides });
    enrolled = await enrollTotp((await signIn(server)).browser, server.issuer);
  });
  after(async () => server.destroy());

  /** A fresh session's step-up on the account page, answered with the right code. */
  async function rightCodeInNewStepUp(): Promise<Answer> {
    const { browser, form } = await stepUpForm(server);
    const { action, fields } = formOf(form, '/step-up');
    return send(action, { browser, accept: 'text/html', form: { ...fields, code: totpForStep(enrolled.secret, enrolled.step + 1) } });
  }

  test('three wrong codes in three step-ups, then the right code in a fourth is refused', async () => {
    const [first, second, third] = wrongCodes(enrolled.secret, 3);
    for (const code of [first!, second!]) {
      const { browser, form } = await stepUpForm(server);
      assert.equal(errorCodeOf(await browser.submit(form, { code }, '/step-up')), 'ERR_CODE_INVALID');
    }
    const rp = await RelyingParty.discover(server.issuer);
    const { browser } = await signIn(server);
    const totpForm = await browser.go((await rp.authorize({ acr_values: 'aal2' })).url);
    assert.match(totpForm.body, /autocomplete="one-time-code"/);
    assert.equal(errorCodeOf(await browser.submit(totpForm, { code: third! }, '/totp')), 'ERR_CODE_INVALID');

    const locked = await rightCodeInNewStepUp();
    lockedAnswers.push(locked);
    assert.equal(locked.status, 429);
    assert.equal(errorCodeIn(locked), 'ERR_ACCOUNT_LOCKED');
  });

  test('the lock survives a restart', async () => {
    const { dataDir } = server;
    const port = Number(new URL(server.issuer).port);
    await server.close();
    server = await startTestServer({ dataDir, port, overrides });
    const answer = await rightCodeInNewStepUp();
    assert.equal(answer.status, 429);
    assert.equal(errorCodeIn(answer), 'ERR_ACCOUNT_LOCKED');
  });

  test('the lock holds in an OpenID Connect step-up as well', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    const { browser } = await signIn(server);
    const form = await browser.go((await rp.authorize({ acr_values: 'aal2' })).url);
    const { action, fields } = formOf(form, '/totp');
    const answer = await send(action, { browser, accept: 'text/html', form: { ...fields, code: totpForStep(enrolled.secret, enrolled.step + 1) } });
    lockedAnswers.push(answer);
    assert.equal(answer.status, 429);
    assert.equal(errorCodeIn(answer), 'ERR_ACCOUNT_LOCKED');
  });

  test('every locked answer says when to retry (Retry-After)', () => {
    assert.equal(lockedAnswers.length, 2);
    for (const answer of lockedAnswers) {
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900, `Retry-After: ${answer.headers.get('retry-after')}`);
    }
  });
});
