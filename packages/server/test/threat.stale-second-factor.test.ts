// Threat: an attacker holds a session (stolen cookie, shared computer) whose
// authenticator-app code was typed ten minutes ago, and knows the password.
// An application asks for acr_values=aal2&max_age=300. Typing the password
// again makes the session look freshly authenticated; the attacker hopes the
// old code still counts toward the two factors. It must not: under max_age
// the second factor itself has to be fresh, so the user is asked for a code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formOf, type Browser, type Page } from './support/browser.js';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { addPastEvent, DEMO, enrollTotp, signIn, userIdOf, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

const STALE = 600;

function assertAsksForCode(page: Page, issuer: string): void {
  assert.equal(new URL(page.url).origin, issuer, `not let through to ${page.url}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /autocomplete="one-time-code"/);
  assert.doesNotMatch(page.body, /autocomplete="current-password"/, 'the password it already has is not asked again');
}

describe('an old TOTP code with a fresh password under max_age', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let enrolled: Enrolled;
  let attacker: Browser;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    enrolled = await enrollTotp((await signIn(server)).browser, server.issuer);
    // A session signed in with the password just now, holding a code typed ten minutes ago.
    attacker = (await signIn(server)).browser;
    await addPastEvent(server, attacker, await userIdOf(server, DEMO.username), {
      method: 'totp', authenticatorId: enrolled.factorId, secondsAgo: STALE,
    });
  });
  after(async () => server.destroy());

  test('control: without max_age the same session meets aal2 at once', async () => {
    const request = await rp.authorize({ acr_values: 'aal2' });
    const claims = (await rp.callback(await attacker.go(request.url), request)).claims()!;
    assert.equal(claims.acr, 'aal2');
  });

  test('acr_values=aal2&max_age=300 asks for a code instead of letting the session through', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '300' });
    assertAsksForCode(await attacker.go(request.url), server.issuer);
  });

  test('typing the password again in the interaction still leads to the code page', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '300' });
    const codePage = await attacker.go(request.url);
    const { action, fields } = formOf(codePage, '/totp');
    const afterPassword = await attacker.go(action.replace(/\/totp$/, '/password'), { form: { _csrf: fields._csrf ?? '', ...DEMO } });
    assertAsksForCode(afterPassword, server.issuer);

    const viaPasswordLink = await attacker.go(`${new URL(action).origin}${new URL(action).pathname.replace(/\/totp$/, '')}?method=password`);
    assertAsksForCode(viaPasswordLink, server.issuer);
  });

  test('the fresh code completes it: aal2 with a current auth_time', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '300' });
    const codePage = await attacker.go(request.url);
    const landing = await attacker.submit(codePage, { code: totpForStep(enrolled.secret, enrolled.step + 1) }, '/totp');
    const claims = (await rp.callback(landing, request)).claims()!;
    assert.equal(claims.acr, 'aal2');
    assert.ok(Date.now() / 1000 - Number(claims.auth_time) < 30, `auth_time ${claims.auth_time}`);
  });
});
