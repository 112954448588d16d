// Threat: an attacker mails a genuine Stepwise sign-in link whose return_to
// points at their own site, so that right after a real sign-in the victim
// lands on a look-alike page (which then asks for the password "again", or
// for a code). Absolute URLs, protocol-relative ones, backslash tricks and
// characters browsers strip from URLs must all end on a path of this site.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formOf } from './support/browser.js';
import { browserFor, startTestServer, type TestServer } from './support/harness.js';
import { DEMO, enrollTotp, send, signIn } from './support/threat-kit.js';

const HOSTILE = [
  'https://evil.example',
  '//evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/%2F/evil.example',
  'javascript:alert(1)',
  ' //evil.example',
];

describe('return_to cannot send a signed-in user to another site', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.destroy());

  /** Where a Location header takes a browser, resolved as browsers do (WHATWG URL, which drops tabs and newlines). */
  function assertSameSite(location: string | null, context: string): void {
    assert.ok(location, `${context}: no Location`);
    const target = new URL(location, server.issuer);
    assert.equal(target.origin, server.issuer, `${context}: Location ${JSON.stringify(location)} leaves the site`);
    assert.ok(location.startsWith('/') && !location.startsWith('//'), `${context}: Location ${JSON.stringify(location)} is not a plain path`);
  }

  for (const hostile of HOSTILE) {
    const query = `return_to=${encodeURIComponent(hostile)}`;

    test(`sign-in with ${JSON.stringify(hostile)} lands on this site`, async () => {
      const browser = browserFor(server);
      const form = await browser.go(`${server.issuer}/login?${query}`);
      assert.equal(form.status, 200);
      assertSameSite(new URL(formOf(form, '/login').action).pathname, 'the form action');
      // The attacker's form posts to /login with the hostile value itself, not the cleaned one.
      const answer = await send(`${server.issuer}/login?${query}`, {
        browser, accept: 'text/html', form: { ...formOf(form, '/login').fields, ...DEMO },
      });
      assert.equal(answer.status, 303, answer.body.slice(0, 300));
      assertSameSite(answer.headers.get('location'), 'after sign-in');
    });

    test(`an already signed-in /login with ${JSON.stringify(hostile)} stays on this site`, async () => {
      const { browser } = await signIn(server);
      const login = await send(`${server.issuer}/login?${query}`, { browser, accept: 'text/html' });
      assert.equal(login.status, 303);
      assertSameSite(login.headers.get('location'), '/login while signed in');
    });
  }

  test('a met /step-up with any of them stays on this site', async () => {
    const { browser } = await signIn(server, DEMO);
    await enrollTotp(browser, server.issuer);
    for (const hostile of HOSTILE) {
      const answer = await send(`${server.issuer}/step-up?return_to=${encodeURIComponent(hostile)}`, { browser, accept: 'text/html' });
      assert.equal(answer.status, 303, JSON.stringify(hostile));
      assertSameSite(answer.headers.get('location'), `/step-up ${JSON.stringify(hostile)}`);
    }
  });
});
