// Resource indicators (RFC 8707): access tokens are issued only for the APIs
// the operator lists under `resources`, with that API as the audience, and
// browser apps may call the token endpoint from their own origin only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEMO_USER } from '../src/index.js';
import { browserFor, RelyingParty, RP_REDIRECT_URI, startTestServer, type TestServer } from './support/harness.js';

const API = 'https://api.example.test/';

describe('resource indicators and token endpoint CORS', () => {
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    server = await startTestServer({ overrides: { resources: [API] } });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => server.destroy());

  test('discovery publishes each level\'s lifetime next to its rank', () => {
    assert.deepEqual(rp.config.serverMetadata().stepwise_acr_lifetimes, { aal3: 43_200, aal2: 86_400, aal1: 2_592_000 });
  });

  test('a listed resource becomes the access token audience', async () => {
    const user = browserFor(server);
    const request = await rp.authorize({ resource: API });
    const landing = await user.submit(await user.go(request.url), { username: DEMO_USER.username, password: DEMO_USER.password }, '/password');
    const tokens = await rp.callback(landing, request);
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), {
      issuer: server.issuer,
      audience: API,
      typ: 'at+jwt',
    });
    assert.equal(payload.acr, 'aal1');
  });

  test('an unlisted resource is refused with invalid_target before any sign-in', async () => {
    const user = browserFor(server);
    const request = await rp.authorize({ resource: 'https://attacker.example/' });
    const landing = await user.go(request.url);
    assert.ok(landing.url.startsWith(RP_REDIRECT_URI), `expected a redirect to the client, got ${landing.url}`);
    assert.equal(new URL(landing.url).searchParams.get('error'), 'invalid_target');
  });

  test('the token endpoint allows CORS from a public client\'s redirect origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.issuer}/token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const own = await preflight(new URL(RP_REDIRECT_URI).origin);
    assert.equal(own.headers.get('access-control-allow-origin'), new URL(RP_REDIRECT_URI).origin);
    // A preflight cannot know the client yet; the real request decides.
    const token = (origin: string) =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'test-rp' }),
      });
    const fromOwn = await token(new URL(RP_REDIRECT_URI).origin);
    assert.equal(fromOwn.headers.get('access-control-allow-origin'), new URL(RP_REDIRECT_URI).origin);
    const fromOther = await token('https://attacker.example');
    assert.equal(fromOther.headers.get('access-control-allow-origin'), null);
  });
});
