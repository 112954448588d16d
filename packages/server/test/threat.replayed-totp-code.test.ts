// Threat: an attacker who knows the password watches the victim type a TOTP
// code (shoulder surfing, a phishing proxy, a log) and replays it in their
// own session, on the account /step-up page or in an OpenID Connect step-up.
// They also try an older code that is still inside the ±1 step window but
// was never used, after a newer one was accepted. Each accepted code must be
// for a time step strictly after the last one accepted for that factor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCodeOf, type Page } from './support/browser.js';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { addUser, enrollTotp, signIn, stepWithMargin, type Credentials, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

const isAccepted = (page: Page, path: string) => page.status === 200 && new URL(page.url).pathname === path;

describe('a TOTP code replayed on the account /step-up page', () => {
  const victim: Credentials = { username: 'replay-account', password: 'replay account password' };
  let server: TestServer;
  let enrolled: Enrolled;

  before(async () => {
    server = await startTestServer();
    await addUser(server, victim);
    // Enrolled with the previous step's code, so step s stays unused while s+1 is accepted.
    const step = await stepWithMargin();
    enrolled = await enrollTotp((await signIn(server, victim)).browser, server.issuer, step - 1);
  });
  after(async () => server.destroy());

  async function stepUp(code: string): Promise<Page> {
    const { browser } = await signIn(server, victim);
    const form = await browser.go(`${server.issuer}/step-up?return_to=/account`);
    assert.match(form.body, /autocomplete="one-time-code"/);
    return browser.submit(form, { code }, '/step-up');
  }

  test('the code that confirmed the enrollment is refused at a step-up', async () => {
    const refused = await stepUp(totpForStep(enrolled.secret, enrolled.step));
    assert.equal(refused.status, 400);
    assert.equal(errorCodeOf(refused), 'ERR_CODE_REUSED');
  });

  test('a code accepted at one step-up is refused at the next, in another session', async () => {
    const code = totpForStep(enrolled.secret, enrolled.step + 2);
    assert.ok(isAccepted(await stepUp(code), '/account'), 'the first use is accepted');
    const replayed = await stepUp(code);
    assert.equal(replayed.status, 400);
    assert.equal(errorCodeOf(replayed), 'ERR_CODE_REUSED');
  });

  test('an unused code of an older step inside the window is refused after a newer one was accepted', async () => {
    const older = await stepUp(totpForStep(enrolled.secret, enrolled.step + 1));
    assert.equal(older.status, 400);
    assert.equal(errorCodeOf(older), 'ERR_CODE_REUSED');
  });
});

describe('a TOTP code replayed in an OpenID Connect step-up', () => {
  const victim: Credentials = { username: 'replay-oidc', password: 'replay oidc password' };
  let server: TestServer;
  let rp: RelyingParty;
  let enrolled: Enrolled;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    await addUser(server, victim);
    const step = await stepWithMargin();
    enrolled = await enrollTotp((await signIn(server, victim)).browser, server.issuer, step - 1);
  });
  after(async () => server.destroy());

  /** A password-only session asked for aal2 now; answers the code page with `code`. */
  async function interactionStepUp(code: string): Promise<{ page: Page; request: Awaited<ReturnType<RelyingParty['authorize']>> }> {
    const { browser } = await signIn(server, victim);
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '0' });
    const form = await browser.go(request.url);
    assert.match(form.body, /autocomplete="one-time-code"/);
    return { page: await browser.submit(form, { code }, '/totp'), request };
  }

  test('a code accepted in one interaction is refused in the next', async () => {
    const code = totpForStep(enrolled.secret, enrolled.step + 2);
    const first = await interactionStepUp(code);
    assert.equal((await rp.callback(first.page, first.request)).claims()!.acr, 'aal2');
    const replayed = await interactionStepUp(code);
    assert.equal(replayed.page.status, 400);
    assert.equal(errorCodeOf(replayed.page), 'ERR_CODE_REUSED');
  });

  test('the same code is refused on the account /step-up page too', async () => {
    const { browser } = await signIn(server, victim);
    const form = await browser.go(`${server.issuer}/step-up?return_to=/account`);
    const replayed = await browser.submit(form, { code: totpForStep(enrolled.secret, enrolled.step + 2) }, '/step-up');
    assert.equal(replayed.status, 400);
    assert.equal(errorCodeOf(replayed), 'ERR_CODE_REUSED');
  });

  test('an unused code of an older step inside the window is refused after a newer one was accepted', async () => {
    const older = await interactionStepUp(totpForStep(enrolled.secret, enrolled.step + 1));
    assert.equal(older.page.status, 400);
    assert.equal(errorCodeOf(older.page), 'ERR_CODE_REUSED');
  });
});
