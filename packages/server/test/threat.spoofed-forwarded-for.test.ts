// Threat: behind a TLS-terminating proxy, an attacker guesses passwords
// and either (a) spoofs `X-Forwarded-For` from outside to spread the per-IP
// lockout over made-up addresses, or (b) benefits from every request seeming
// to come from the proxy, so its failures lock out everyone behind it. With
// `trust_proxy` naming the proxy, the forwarded address counts only for
// connections from that proxy, and per-IP lockout counts the real client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/harness.js';

const PROXY = '10.0.0.7';

/** One failed sign-in from `peer` (the socket's address), maybe with a forwarded client; the error code shown. */
async function failedSignIn(server: TestServer, peer: string, forwardedFor?: string): Promise<string | undefined> {
  const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  const page = await server.server.app.inject({ url: '/login?return_to=/account', remoteAddress: peer, headers });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the sign-in page has a CSRF token');
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const answer = await server.server.app.inject({
    method: 'POST', url: '/login', remoteAddress: peer,
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams({ _csrf: csrf, username: 'nobody', password: 'a guess', return_to: '/account' }).toString(),
  });
  return /data-error-code="([A-Z_]+)"|\b(ERR_[A-Z_]+)\b/.exec(answer.body)?.slice(1).find(Boolean);
}

describe('per-IP lockout behind a trusted proxy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { trust_proxy: [PROXY], lockout: { ip_max_failures: 2, account_max_failures: 1000 } } });
  });
  after(() => server.destroy());

  test('the forwarded client is counted when the proxy sends it, and only then', async () => {
    assert.equal(await failedSignIn(server, PROXY, '203.0.113.5'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, PROXY, '203.0.113.5'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, PROXY, '203.0.113.5'), 'ERR_ACCOUNT_LOCKED', 'the real client is locked out');
    // Another client behind the same proxy is not.
    assert.equal(await failedSignIn(server, PROXY, '203.0.113.6'), 'ERR_INVALID_CREDENTIALS');
    // From outside, a forged header changes nothing: the socket's address counts.
    assert.equal(await failedSignIn(server, '198.51.100.9', '203.0.113.77'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, '198.51.100.9', '203.0.113.78'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, '198.51.100.9', '203.0.113.79'), 'ERR_ACCOUNT_LOCKED', 'spoofed addresses do not spread the count');
    assert.equal(await failedSignIn(server, PROXY, '203.0.113.77'), 'ERR_INVALID_CREDENTIALS', 'the forged address was never counted');
  });
});

describe('per-IP lockout without trust_proxy (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { lockout: { ip_max_failures: 2, account_max_failures: 1000 } } });
  });
  after(() => server.destroy());

  test('X-Forwarded-For is ignored', async () => {
    assert.equal(await failedSignIn(server, '198.51.100.20', '203.0.113.1'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, '198.51.100.20', '203.0.113.2'), 'ERR_INVALID_CREDENTIALS');
    assert.equal(await failedSignIn(server, '198.51.100.20', '203.0.113.3'), 'ERR_ACCOUNT_LOCKED');
  });
});
