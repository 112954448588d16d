// Discovery and the JWKS are answered from memory after the provider's first
// answer (http/oidc-mount.ts). What a relying party or API node relies on:
// the answer from memory is the provider's own, byte for byte and with its
// headers; a CORS request still gets its origin echoed; and a key rotated in
// shows in /jwks as soon as the node reloads its keys, not at a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { epochSeconds } from '../src/index.js';
import { rotateSigningKey } from '../src/keys/signing-keys.js';
import { startTestServer, type TestServer } from './support/harness.js';

const PROVIDER_HEADERS = ['content-type', 'access-control-allow-origin', 'vary', 'content-length', 'cross-origin-opener-policy', 'x-content-type-options'];

async function get(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | null>; body: string }> {
  const response = await fetch(`${server.issuer}${path}`, { headers });
  return { status: response.status, headers: Object.fromEntries(PROVIDER_HEADERS.map((name) => [name, response.headers.get(name)])), body: await response.text() };
}

describe('discovery and JWKS from memory', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.destroy(); });

  test('the answers from memory are the provider\'s first answers, headers included', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const first = await get(server, path);
      assert.equal(first.status, 200);
      assert.equal(first.headers['access-control-allow-origin'], '*');
      for (let again = 0; again < 3; again += 1) assert.deepEqual(await get(server, path), first, `${path}, answer ${again + 2}`);
    }
    const discovery = JSON.parse((await get(server, '/.well-known/openid-configuration')).body) as { issuer: string; jwks_uri: string };
    assert.equal(discovery.issuer, server.issuer);
    assert.equal(discovery.jwks_uri, `${server.issuer}/jwks`);
  });

  test('a CORS request gets its origin echoed, as the provider answers it', async () => {
    await get(server, '/jwks');
    const cors = await get(server, '/jwks', { origin: 'https://app.example' });
    assert.equal(cors.status, 200);
    assert.equal(cors.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(cors.body, (await get(server, '/jwks')).body);
  });

  test('a key rotated in is in /jwks once the node reloads its keys', async () => {
    const kids = async () => ((JSON.parse((await get(server, '/jwks')).body) as { keys: { kid: string }[] }).keys.map((key) => key.kid));
    const before = await kids();
    assert.equal(before.length, 1);
    const { kid } = await rotateSigningKey(server.server.database.db, server.server.services.box, epochSeconds());
    await server.server.signingKeys.refresh();
    assert.deepEqual((await kids()).sort(), [...before, kid].sort());
  });
});
