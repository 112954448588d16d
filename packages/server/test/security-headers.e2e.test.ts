// The security headers every answer carries (helmet, built once at start):
// a page and a protocol route over real HTTP. A change that dropped them
// (or helmet's defaults) would open the pages to framing, MIME sniffing and
// scripts from elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/harness.js';

describe('security headers', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.destroy(); });

  function assertHelmetHeaders(headers: Headers, where: string): void {
    const csp = headers.get('content-security-policy') ?? '';
    assert.match(csp, /(^|;)script-src 'self'(;|$)/, `${where}: scripts from our origin only`);
    assert.match(csp, /(^|;)img-src 'self' data:(;|$)/, where);
    assert.match(csp, /(^|;)frame-ancestors 'self'(;|$)/, `${where}: not framed by other sites`);
    assert.match(csp, /(^|;)object-src 'none'(;|$)/, where);
    assert.doesNotMatch(csp, /form-action/, `${where}: step-up forms may post on to the application`);
    assert.equal(headers.get('x-content-type-options'), 'nosniff', where);
    assert.equal(headers.get('x-frame-options'), 'SAMEORIGIN', where);
    assert.equal(headers.get('referrer-policy'), 'no-referrer', where);
    assert.match(headers.get('strict-transport-security') ?? '', /max-age=\d+/, where);
    assert.equal(headers.get('x-powered-by'), null, where);
  }

  test('a page gets helmet\'s headers and same-origin COOP', async () => {
    const response = await fetch(`${server.issuer}/login`);
    assert.equal(response.status, 200);
    assertHelmetHeaders(response.headers, '/login');
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  test('the provider\'s routes get them too, with COOP relaxed for popups', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const response = await fetch(`${server.issuer}${path}`);
      assert.equal(response.status, 200, path);
      assertHelmetHeaders(response.headers, path);
      assert.equal(response.headers.get('cross-origin-opener-policy'), 'unsafe-none', path);
    }
  });

  test('an error answer carries them as well', async () => {
    const response = await fetch(`${server.issuer}/no-such-page`);
    assert.equal(response.status, 404);
    assertHelmetHeaders(response.headers, '404');
  });
});
