// Threat: someone with a victim's signed-in session (a borrowed laptop, a
// stolen cookie) adds their own passkey, email address, phone number or
// authenticator app, or generates recovery codes they keep, so the account
// stays theirs after the session ends. Every such change needs a fresh
// step-up (OWASP ASVS 5, 7.5.1): the pages send the user through /step-up
// and a direct post is refused with 401 ERR_STEP_UP_REQUIRED, changing
// nothing. Removing a method the account's aal2 depends on also needs an
// explicit confirmation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { epochSeconds } from '../src/index.js';
import { listFactors } from '../src/storage/factors.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { DEMO, enrollTotp, errorCodeIn, send, signIn, userIdOf } from './support/threat-kit.js';
import type { Browser } from './support/browser.js';
import { totpForStep } from './support/totp-reference.js';

describe('changing sign-in methods without a fresh step-up', () => {
  let server: TestServer;
  let browser: Browser;
  let csrf = '';
  let userId = '';

  before(async () => {
    server = await startTestServer();
    ({ browser, csrf } = await signIn(server, DEMO));
    userId = await userIdOf(server, DEMO.username);
  });
  after(async () => server.destroy());

  const later = (seconds: number) => {
    server.server.services.now = () => epochSeconds() + seconds;
  };

  const CHANGES: ReadonlyArray<{ name: string; page: string; post: string; form: Record<string, string> }> = [
    { name: 'adding a passkey', page: '/account/webauthn?kind=passkey', post: '/account/webauthn', form: { ceremony_id: 'x', response: '{}', kind: 'passkey' } },
    { name: 'adding an email address', page: '/account/contacts?channel=email', post: '/account/contacts', form: { channel: 'email', destination: 'attacker@evil.test' } },
    { name: 'adding a phone number', page: '/account/contacts?channel=sms', post: '/account/contacts', form: { channel: 'sms', destination: '+15555550100' } },
    { name: 'adding an authenticator app', page: '/account/totp', post: '/account/totp', form: { code: '123456', factor_id: 'x' } },
    { name: 'generating recovery codes', page: '/account/recovery-codes', post: '/account/recovery-codes', form: {} },
  ];

  test('ten minutes after the password, every change page leads to the step-up and every post is refused', async () => {
    later(600);
    try {
      for (const change of CHANGES) {
        const page = await send(`${server.issuer}${change.page}`, { browser, accept: 'text/html' });
        assert.equal(page.status, 303, change.name);
        assert.equal(page.headers.get('location'), `/step-up?return_to=${encodeURIComponent(change.page)}`, change.name);
        const post = await send(`${server.issuer}${change.post}`, { browser, form: { _csrf: csrf, ...change.form } });
        assert.equal(post.status, 401, `${change.name}: ${post.body}`);
        assert.equal(errorCodeIn(post), 'ERR_STEP_UP_REQUIRED', change.name);
      }
      assert.deepEqual(await listFactors(server.server.database.db, userId), [], 'nothing was added');
    } finally {
      later(0);
    }
  });

  test('with a second factor, a fresh password is not enough: it takes the second factor', async () => {
    const enrolled = await enrollTotp(browser, server.issuer);
    later(600);
    try {
      const { browser: again, csrf: againCsrf } = await signIn(server, DEMO);
      const post = await send(`${server.issuer}/account/recovery-codes`, { browser: again, form: { _csrf: againCsrf } });
      assert.equal(errorCodeIn(post), 'ERR_STEP_UP_REQUIRED');
      const stepUp = await again.go(`${server.issuer}/step-up?return_to=/account/recovery-codes`);
      const stepNow = Math.floor(server.server.services.now() / 30);
      const done = await again.submit(stepUp, { code: totpForStep(enrolled.secret, stepNow) }, '/totp');
      assert.ok(done.url.endsWith('/account/recovery-codes'), `${done.status} ${done.url}`);

      // Removing the only second factor loses aal2: refused until confirmed.
      const removeUrl = `${server.issuer}/account/factors/${enrolled.factorId}/remove`;
      const warning = await again.go(removeUrl);
      assert.match(warning.body, /data-lost-levels="aal3 aal2"|data-lost-levels="aal2"/);
      const unconfirmed = await send(removeUrl, { browser: again, form: { _csrf: againCsrf } });
      assert.equal(unconfirmed.status, 409);
      assert.equal(errorCodeIn(unconfirmed), 'ERR_CONFIRMATION_REQUIRED');
      const confirmed = await send(removeUrl, { browser: again, form: { _csrf: againCsrf, confirm: 'lose-levels' } });
      assert.equal(confirmed.status, 303);
      assert.deepEqual(await listFactors(server.server.database.db, userId, { confirmedOnly: true }), []);
    } finally {
      later(0);
    }
  });
});
