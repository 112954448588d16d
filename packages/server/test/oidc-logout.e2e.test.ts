// RP-initiated logout ends Stepwise's own session too: without that, the
// next authorization in the same browser would finish without a password.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_USER } from '../src/index.js';
import { browserFor, RelyingParty, startTestServer, type TestServer } from './support/harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.destroy());

test('logging out at /session/end signs the browser out of Stepwise', async () => {
  const rp = await RelyingParty.discover(server.issuer);
  const browser = browserFor(server);
  const first = await rp.authorize();
  const signedIn = await browser.submit(await browser.go(first.url), { username: DEMO_USER.username, password: DEMO_USER.password }, '/password');
  await rp.callback(signedIn, first);
  assert.ok(browser.cookies.has('stepwise_session'));

  const confirm = await browser.go(`${server.issuer}/session/end`);
  assert.match(confirm.body, /Sign out of Stepwise\?/, 'Stepwise\'s own confirmation page');
  assert.doesNotMatch(confirm.body, /fonts\.googleapis\.com/, 'no third-party resources');
  const done = await browser.submit(confirm, { logout: 'yes' }, '/session/end/confirm');
  assert.equal(done.status, 200);
  assert.match(done.body, /You are signed out/);
  assert.equal(browser.cookies.has('stepwise_session'), false, 'the session cookie is cleared');

  const again = await rp.authorize();
  const page = await browser.go(again.url);
  assert.match(page.body, /autocomplete="current-password"/, 'the password is asked again');
  assert.match(page.body, /name="username"[^>]*value=""/);
});
