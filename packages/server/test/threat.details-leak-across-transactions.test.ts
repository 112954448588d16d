// Threat: one approval leaks into the next transaction. oidc-provider keeps
// one Grant per session and client; if a bound request reused it, the
// details would pile up and the second payment's token would carry the
// first payment too, so a resource server could execute either with it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash } from '@stepwise/core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { answerWithCode, approver, OTHER_PAYMENT, PAYMENT, pushAuthorization } from './support/transaction-kit.js';

describe('threat: details leaking from one transaction into the next', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  });
  after(async () => server.destroy());

  test('two payments in one session: each token carries its own payment only, and a later sign-in carries none', async () => {
    const payer = await approver(server, 'twice');
    const payloads = [];
    for (const payment of [PAYMENT, OTHER_PAYMENT]) {
      const request = await pushAuthorization(rp, [payment], { acr_values: 'aal2' });
      const page = await payer.browser.go(request.url);
      assert.match(page.body, /data-transaction/, 'every payment is approved on its own page');
      const tokens = await rp.callback(await answerWithCode(payer.browser, page, payer.nextCode()), request);
      assert.deepEqual(tokens.authorization_details, [payment]);
      const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer });
      assert.deepEqual(payload.authorization_details, [payment]);
      assert.equal(payload.txn, transactionHash([payment]));
      payloads.push(payload);
    }
    assert.notEqual(payloads[0]!.txn, payloads[1]!.txn);

    const ordinary = await rp.authorize({ acr_values: 'aal2' });
    const tokens = await rp.callback(await payer.browser.go(ordinary.url), ordinary);
    assert.equal(tokens.authorization_details, undefined);
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer });
    assert.equal(payload.authorization_details, undefined);
    assert.equal(payload.txn, undefined);
    assert.equal(payload.acr, 'aal2');
  });
});
