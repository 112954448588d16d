// Threat: a token in a public client's name. A public client has no secret,
// and its client_id is in every authorization URL it sends, so anyone can
// claim to be it. If a public client were allowed client_credentials,
// sending that id alone would get an access token for the client's APIs.
// Stepwise refuses: a public registration that lists the grant cannot be
// loaded at all (invalid_client), and a public client without the grant,
// such as any browser app, gets unauthorized_client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clients, epochSeconds } from '../src/index.js';
import { RP_CLIENT_ID, startTestServer, type TestServer } from './support/harness.js';

async function askToken(server: TestServer, clientId: string): Promise<{ status: number; body: { error?: string; access_token?: string } }> {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; access_token?: string } };
}

describe('threat: a client_credentials token for a public client', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    // Written straight to the database, as a hand-edited or older
    // registration would be: the CLI refuses to create it.
    await clients.upsertClient(server.server.database.db, {
      client_id: 'public-with-grant', token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:9/callback'],
    }, epochSeconds());
  });
  after(async () => server.destroy());

  test('a public registration listing the grant is not loaded: invalid_client, no token', async () => {
    const answer = await askToken(server, 'public-with-grant');
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'invalid_client');
    assert.equal(answer.body.access_token, undefined);
  });

  test('an ordinary public client, known only by its id, gets unauthorized_client', async () => {
    const answer = await askToken(server, RP_CLIENT_ID);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'unauthorized_client');
    assert.equal(answer.body.access_token, undefined);
  });
});
