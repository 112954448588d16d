// Threat: a second token for one approval. A refresh token from a bound
// grant would let the client, or whoever steals the refresh token, mint
// new access tokens for the same payment long after the user approved it;
// and details sent to the token endpoint would bind an ordinary grant to a
// transaction nobody saw.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { signIn } from './support/threat-kit.js';
import { answerWithCode, approver, PAYMENT, pushAuthorization } from './support/transaction-kit.js';

async function oauthErrorOf(attempt: Promise<unknown>): Promise<string | undefined> {
  try {
    await attempt;
  } catch (error) {
    return (error as { error?: string }).error;
  }
  return undefined;
}

describe('threat: a refresh minting a second bound token', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  });
  after(async () => server.destroy());

  test('a bound grant gets no refresh token; the ordinary one keeps working and never carries details', async () => {
    const payer = await approver(server, 'refresher');
    const ordinaryRequest = await rp.authorize();
    const ordinary = await rp.callback(await payer.browser.go(ordinaryRequest.url), ordinaryRequest);
    assert.ok(ordinary.refresh_token, 'an ordinary grant has a refresh token');

    const request = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2' });
    const page = await payer.browser.go(request.url);
    const bound = await rp.callback(await answerWithCode(payer.browser, page, payer.nextCode()), request);
    assert.deepEqual(bound.authorization_details, [PAYMENT]);
    assert.equal(bound.refresh_token, undefined);

    // The payment left the session's own grant alone: its refresh token still works.
    const refreshed = await rp.refresh(ordinary.refresh_token!);
    assert.equal(refreshed.authorization_details, undefined);
    const { payload } = await jwtVerify(refreshed.access_token, jwks, { issuer: server.issuer });
    assert.equal(payload.authorization_details, undefined);
    assert.equal(payload.txn, undefined);

    const asked = oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!, { authorization_details: JSON.stringify([PAYMENT]) });
    assert.equal(await oauthErrorOf(asked), 'invalid_authorization_details');
  });

  test('an ordinary code cannot be bound at the token endpoint', async () => {
    const { browser } = await signIn(server);
    const request = await rp.authorize();
    const landing = await browser.go(request.url);
    const exchange = oidc.authorizationCodeGrant(rp.config, new URL(landing.url), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    }, { authorization_details: JSON.stringify([PAYMENT]) });
    assert.equal(await oauthErrorOf(exchange), 'invalid_authorization_details');
  });
});
