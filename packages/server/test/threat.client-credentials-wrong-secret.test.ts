// Threat: guessing a backend's secret. An attacker who knows the client_id
// of a backend registered for client_credentials tries secrets, in the
// Authorization header and in the body, or none at all. Each attempt is
// refused with invalid_client and no token, however close the guess.
// (oidc-provider takes the secret from the header or the body alike: both
// are the same secret, so only its value matters.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { clients, epochSeconds } from '../src/index.js';
import { startTestServer, type TestServer } from './support/harness.js';

const BACKEND = { id: 'backend', secret: 'backend-secret-that-is-long-enough-to-be-real' };

describe('threat: a wrong client secret for client_credentials', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await clients.upsertClient(server.server.database.db, {
      client_id: BACKEND.id, client_secret: BACKEND.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    }, epochSeconds());
  });
  after(async () => server.destroy());

  async function tokenWith(auth: oidc.ClientAuth): Promise<unknown> {
    const config = await oidc.discovery(new URL(server.issuer), BACKEND.id, undefined, auth, { execute: [oidc.allowInsecureRequests] });
    return oidc.clientCredentialsGrant(config);
  }

  /** The OAuth error of a refused grant, from the body or the WWW-Authenticate challenge. */
  async function refusal(attempt: Promise<unknown>): Promise<{ status?: number; error?: string }> {
    try {
      await attempt;
    } catch (error) {
      const failure = error as { status?: number; error?: string; cause?: unknown };
      const challenge = Array.isArray(failure.cause) ? (failure.cause[0] as { parameters?: { error?: string } }).parameters?.error : undefined;
      return { status: failure.status, error: challenge ?? failure.error };
    }
    return {};
  }

  test('a secret one character off is refused with invalid_client', async () => {
    assert.deepEqual(await refusal(tokenWith(oidc.ClientSecretBasic(`${BACKEND.secret.slice(0, -1)}X`))), { status: 401, error: 'invalid_client' });
  });

  test('a wrong secret in the body, or no secret at all, is refused too', async () => {
    assert.deepEqual(await refusal(tokenWith(oidc.ClientSecretPost('guess'))), { status: 401, error: 'invalid_client' });
    assert.deepEqual(await refusal(tokenWith(oidc.None())), { status: 401, error: 'invalid_client' });
  });

  test('the right secret gets a token', async () => {
    const tokens = (await tokenWith(oidc.ClientSecretBasic(BACKEND.secret))) as { access_token: string };
    assert.equal(typeof tokens.access_token, 'string');
  });
});
