// Threat: a client minting tokens it was never given. A confidential web
// app registered to sign users in (authorization code) holds a real secret;
// with it, it asks for a client_credentials token of its own, which the
// operator never allowed (tokens with no user behind them, that no step-up
// ever guards). Refused with unauthorized_client (RFC 6749 §5.2), and a
// client registered for the grant alone cannot refresh or exchange codes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clients, epochSeconds } from '../src/index.js';
import { startTestServer, type TestServer } from './support/harness.js';

const WEB_APP = { id: 'web-app', secret: 'web-app-secret-that-is-long-enough-to-be-real' };
const BACKEND = { id: 'backend', secret: 'backend-secret-that-is-long-enough-to-be-real' };

async function askToken(server: TestServer, client: { id: string; secret: string }, form: Record<string, string>) {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; access_token?: string } };
}

describe('threat: a client using a grant it is not registered for', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const { db } = server.server.database;
    await clients.upsertClient(db, {
      client_id: WEB_APP.id, client_secret: WEB_APP.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['https://web.example/cb'],
    }, epochSeconds());
    await clients.upsertClient(db, {
      client_id: BACKEND.id, client_secret: BACKEND.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    }, epochSeconds());
  });
  after(async () => server.destroy());

  test('a confidential client without the grant, right secret and all, gets unauthorized_client', async () => {
    const answer = await askToken(server, WEB_APP, { grant_type: 'client_credentials' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'unauthorized_client');
    assert.equal(answer.body.access_token, undefined);
  });

  test('the backend registered for the grant alone may not refresh', async () => {
    const answer = await askToken(server, BACKEND, { grant_type: 'refresh_token', refresh_token: 'anything' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'unauthorized_client');
  });

  test('the same request from the backend registered for it succeeds', async () => {
    const answer = await askToken(server, BACKEND, { grant_type: 'client_credentials' });
    assert.equal(answer.status, 200);
    assert.equal(typeof answer.body.access_token, 'string');
  });
});
