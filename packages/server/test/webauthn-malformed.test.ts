// Bad WebAuthn answers posted straight to the passkey routes (no browser):
// garbage, a credential of the wrong shape, an unknown or reused ceremony.
// Each gets a 400 with a stable code, never a 5xx, and signs nobody in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, startTestServer, type TestServer } from './support/harness.js';
import { errorCodeIn, send } from './support/threat-kit.js';
import { Browser, formOf } from './support/browser.js';

describe('malformed passkey answers', () => {
  let server: TestServer;
  let browser: Browser;
  let fields: Record<string, string> = {};

  before(async () => {
    const port = await freePort();
    server = await startTestServer({ port, overrides: { issuer: `http://localhost:${port}` } });
    browser = new Browser(server.issuer);
    fields = formOf(await browser.go(`${server.issuer}/login`), '/login/passkey').fields;
  });
  after(async () => server.destroy());

  const post = (response: string, ceremonyId = fields.ceremony_id!) =>
    send(`${server.issuer}/login/passkey`, { browser, form: { _csrf: fields._csrf!, ceremony_id: ceremonyId, response } });

  test('answers that are not a credential are ERR_WEBAUTHN_FAILED', async () => {
    for (const response of ['{not json', '[1,2]', '"text"', '{"id":"a b","type":"public-key","response":{}}', '{"id":"abc","type":"password","response":{}}']) {
      const answer = await post(response);
      assert.equal(answer.status, 400, response);
      assert.equal(errorCodeIn(answer), 'ERR_WEBAUTHN_FAILED', response);
    }
  });

  test('an unknown ceremony is ERR_CEREMONY_EXPIRED; a real one is spent by its first answer', async () => {
    const shape = '{"id":"abc","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}';
    assert.equal(errorCodeIn(await post(shape, 'no-such-ceremony')), 'ERR_CEREMONY_EXPIRED');
    const first = await post(shape);
    assert.equal(errorCodeIn(first), 'ERR_CREDENTIAL_UNKNOWN');
    const second = await post(shape);
    assert.equal(errorCodeIn(second), 'ERR_CEREMONY_EXPIRED');
    assert.ok(!browser.cookies.has('stepwise_session'), 'nobody was signed in');
  });
});
