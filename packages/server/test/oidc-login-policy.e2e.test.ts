// The same policy governs OpenID Connect sign-ins: action "login", the
// client as resource.client_id, a per-client default; a client cannot ask
// for less than the policy, and a denying rule ends the sign-in with
// access_denied at the client.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_USER } from '../src/index.js';
import { browserFor, RelyingParty, RP_CLIENT_ID, startTestServer, type TestServer } from './support/harness.js';

const password = { username: DEMO_USER.username, password: DEMO_USER.password };

describe('OIDC sign-ins under the policy', () => {
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    server = await startTestServer({ overrides: { policy: { default: { acr: 'aal1' }, clients: { [RP_CLIENT_ID]: { acr: 'aal2', max_age: 600 } } } } });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => server.destroy());

  test("the client's default raises a plain sign-in to aal2: after the password, a second factor is asked", async () => {
    const browser = browserFor(server);
    const request = await rp.authorize();
    const page = await browser.submit(await browser.go(request.url), password, '/password');
    assert.equal(page.status, 200);
    assert.match(page.body, /needs a second sign-in method \(aal2/);
  });

  test('a client asking for aal1 still gets the policy’s aal2', async () => {
    const browser = browserFor(server);
    const request = await rp.authorize({ acr_values: 'aal1' });
    const page = await browser.submit(await browser.go(request.url), password, '/password');
    assert.match(page.body, /needs a second sign-in method \(aal2/);
  });
});

describe('OIDC sign-ins refused by a deny rule on risk', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-deny-'));
    const list = join(dir, 'blocked.txt');
    writeFileSync(list, '# loopback stands for a blocked network here\n127.0.0.0/8\n');
    server = await startTestServer({
      overrides: {
        risk: { untrusted_ip: { lists: [list] } },
        policy: { rules: [{ name: 'blocked-network', when: '"untrusted_ip" in risk.codes', deny: true }] },
      },
    });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => {
    await server.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the sign-in ends with access_denied at the client, naming the rule', async () => {
    const browser = browserFor(server);
    const request = await rp.authorize();
    const landing = await browser.submit(await browser.go(request.url), password, '/password');
    const url = new URL(landing.url);
    assert.equal(`${url.origin}${url.pathname}`, rp.redirectUri);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.match(url.searchParams.get('error_description') ?? '', /blocked-network/);
  });
});
