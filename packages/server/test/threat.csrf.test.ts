// Threat: a page on another site makes the victim's browser post Stepwise's
// forms: sign the victim in as the attacker (login CSRF), sign them out,
// remove their authenticator app, confirm an app the attacker controls, or
// drive an OpenID Connect sign-in. The browser sends the victim's cookies;
// the attacker cannot read the page, so the form lacks the CSRF token or
// carries a wrong one (made up, or the attacker's own valid token). Every
// such post must be refused with 403 ERR_CSRF and change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formOf, type Browser } from './support/browser.js';
import { browserFor, RelyingParty, startTestServer, typedSecretOf, type TestServer } from './support/harness.js';
import { addUser, confirmedFactorIds, DEMO, enrollTotp, errorCodeIn, send, signIn, userIdOf, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('cross-site posts without a valid CSRF token', () => {
  let server: TestServer;
  let victim: Browser;
  let enrolled: Enrolled;
  let attackerToken = '';

  /** The forged variants of a form: token missing, made up, or the attacker's own. */
  const forgeries = (fields: Record<string, string>) => {
    const rest = Object.fromEntries(Object.entries(fields).filter(([name]) => name !== '_csrf'));
    return {
      'without _csrf': rest,
      'with a made-up _csrf': { ...rest, _csrf: 'forged-token' },
      "with the attacker's own token": { ...rest, _csrf: attackerToken },
    };
  };

  async function expectRefused(url: string, fields: Record<string, string>, browser: Browser = victim): Promise<void> {
    for (const [variant, form] of Object.entries(forgeries(fields))) {
      const answer = await send(url, { browser, form });
      assert.equal(answer.status, 403, `${variant}: ${answer.status} ${answer.body.slice(0, 200)}`);
      assert.equal(errorCodeIn(answer), 'ERR_CSRF', variant);
      assert.ok(!answer.headers.get('set-cookie')?.includes('stepwise_session'), `${variant}: no session cookie is set`);
    }
  }

  before(async () => {
    server = await startTestServer();
    victim = (await signIn(server)).browser;
    enrolled = await enrollTotp(victim, server.issuer);
    attackerToken = formOf(await browserFor(server).go(`${server.issuer}/login`), '/login').fields._csrf ?? '';
  });
  after(async () => server.destroy());

  test('POST /login: the victim is not signed in as anyone', async () => {
    const browser = browserFor(server);
    const { fields } = formOf(await browser.go(`${server.issuer}/login`), '/login');
    await expectRefused(`${server.issuer}/login`, { ...fields, ...DEMO }, browser);
    assert.equal(browser.cookies.has('stepwise_session'), false);
  });

  test('POST /logout: the session stays valid', async () => {
    await expectRefused(`${server.issuer}/logout`, {});
    assert.equal((await victim.go(`${server.issuer}/account`)).status, 200);
  });

  test('POST /account/factors/:id/remove: the authenticator app stays, though the session could remove it', async () => {
    const url = `${server.issuer}/account/factors/${enrolled.factorId}/remove`;
    const confirm = await victim.go(url);
    assert.equal(confirm.status, 200, 'the session holds a fresh step-up');
    await expectRefused(url, formOf(confirm, '/remove').fields);
    assert.deepEqual(await confirmedFactorIds(server, await userIdOf(server, DEMO.username)), [enrolled.factorId]);
  });

  test("POST /account/totp: an app is not confirmed, and the code is not spent", async () => {
    const other = { username: 'csrf-enroll', password: 'csrf enroll password' };
    const userId = await addUser(server, other);
    const { browser } = await signIn(server, other);
    const page = await browser.go(`${server.issuer}/account/totp`);
    const code = totpForStep(typedSecretOf(page), enrolled.step);
    await expectRefused(`${server.issuer}/account/totp`, { ...formOf(page, '/account/totp').fields, code }, browser);
    assert.deepEqual(await confirmedFactorIds(server, userId), []);
    const genuine = await browser.submit(page, { code }, '/account/totp');
    assert.match(genuine.url, /done=totp-added/, 'the same code still works with the real token');
  });

  test('POST /interaction/:uid/password and /interaction/:uid/totp: the sign-in does not advance', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    const browser = browserFor(server);
    const request = await rp.authorize({ acr_values: 'aal2' });
    const signInForm = await browser.go(request.url);
    const password = formOf(signInForm, '/password');
    await expectRefused(password.action, { ...password.fields, ...DEMO }, browser);
    assert.equal(browser.cookies.has('stepwise_session'), false);

    const totpPage = await browser.submit(signInForm, { ...DEMO }, '/password');
    const totp = formOf(totpPage, '/totp');
    const code = totpForStep(enrolled.secret, enrolled.step + 1);
    await expectRefused(totp.action, { ...totp.fields, code }, browser);
    const tokens = await rp.callback(await browser.submit(totpPage, { code }, '/totp'), request);
    assert.equal(tokens.claims()!.acr, 'aal2', 'the same code still works with the real token');
  });
});

describe('the sign-out button', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.destroy());

  test('carries the CSRF token, so a real sign-out works', async () => {
    const { browser, page } = await signIn(server);
    // The control in the page header: a form posting to /logout, or a link to a page holding one.
    const link = /<a href="(\/logout[^"]*)"/.exec(page.body)?.[1];
    const holder = link === undefined ? page : await browser.go(new URL(link, server.issuer).href);
    const { action, fields } = formOf(holder, '/logout');
    const signedOut = await send(action, { browser, method: 'POST', accept: 'text/html', form: fields });
    assert.equal(signedOut.status, 303, `sign-out answered ${signedOut.status} ${errorCodeIn(signedOut) ?? ''}`);
    assert.equal(signedOut.headers.get('location'), '/');
    const account = await send(`${server.issuer}/account`, { browser, accept: 'text/html' });
    assert.equal(account.status, 303, 'the old session cookie no longer signs in');
  });
});
