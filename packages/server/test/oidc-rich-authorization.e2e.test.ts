// Rich authorization requests (RFC 9396) pushed with PAR (RFC 9126), end to
// end over real HTTP with openid-client as the relying party: the user sees
// the transaction while giving the factor, and the token carries exactly
// that transaction and its txn hash.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash } from '@stepwise/core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { clients, epochSeconds } from '../src/index.js';
import { RelyingParty, RP_REDIRECT_URI, startTestServer, type TestServer } from './support/harness.js';
import { DEMO } from './support/threat-kit.js';
import { answerWithCode, approver, DELETE_PRODUCTION, PAYMENT, pushAuthorization, pushRaw } from './support/transaction-kit.js';

const PAYMENTS_ONLY = { id: 'payments-only', redirectUri: 'http://127.0.0.1:9/payments-callback' };

describe('rich authorization requests through PAR', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    await clients.upsertClient(server.server.database.db, {
      client_id: PAYMENTS_ONLY.id,
      redirect_uris: [PAYMENTS_ONLY.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      authorization_details_types: ['payment_initiation'],
    }, epochSeconds());
  });
  after(async () => server.destroy());

  test('discovery lists the detail types and the PAR endpoint', () => {
    const metadata = rp.config.serverMetadata();
    assert.deepEqual(metadata.authorization_details_types_supported, ['payment_initiation', 'stepwise_action']);
    assert.equal(metadata.pushed_authorization_request_endpoint, `${server.issuer}/request`);
    assert.notEqual(metadata.require_pushed_authorization_requests, true, 'PAR is per client, not for all');
  });

  test('a pushed payment is shown while the user gives the factor; its token carries it and its txn, and no refresh token', async () => {
    const payer = await approver(server, 'payer');
    const request = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2' });
    assert.deepEqual([...new URL(request.url).searchParams.keys()].sort(), ['client_id', 'request_uri'], 'nothing of the transaction is in the URL');

    const page = await payer.browser.go(request.url);
    assert.match(page.body, /data-transaction/);
    assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
    assert.match(page.body, /DE89 3704 0044 0532 0130 00/);
    assert.match(page.body, /Invoice 2024-117/);
    assert.match(page.body, /asks you to approve this transaction/);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.doesNotMatch(page.body, /current-password/, 'the password still counts; only the second factor is asked again');

    const tokens = await rp.callback(await answerWithCode(payer.browser, page, payer.nextCode()), request);
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);
    assert.equal(tokens.refresh_token, undefined);

    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, typ: 'at+jwt', algorithms: ['ES256'] });
    assert.deepEqual(payload.authorization_details, [PAYMENT]);
    assert.equal(payload.txn, transactionHash([PAYMENT]));
    assert.equal(payload.acr, 'aal2');
    assert.ok(Math.abs(Number(payload.auth_time) - Date.now() / 1000) <= 5, 'auth_time is the factor just given');

    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'aal2');
    assert.ok((claims.amr as string[]).includes('otp'));
    assert.equal(claims.sub, payload.sub);
    assert.equal(claims.authorization_details, undefined);
    assert.equal(claims.txn, undefined);
  });

  test('an action detail works the same; a one-factor request re-asks the password on a page that shows it', async () => {
    const admin = await approver(server, 'operator');
    const request = await pushAuthorization(rp, [DELETE_PRODUCTION]);
    const page = await admin.browser.go(request.url);
    assert.match(page.body, /data-transaction/);
    assert.match(page.body, /environment\.delete: production, acme/);
    assert.match(page.body, /autocomplete="current-password"/);
    const landing = await admin.browser.submit(page, { username: admin.username, password: `${admin.username} long passphrase` }, '/password');
    const tokens = await rp.callback(landing, request);
    assert.deepEqual(tokens.authorization_details, [DELETE_PRODUCTION]);
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer });
    assert.equal(payload.txn, transactionHash([DELETE_PRODUCTION]));
  });

  test('a signed-out user signs in on a page that already shows the transaction', async () => {
    const { browserFor } = await import('./support/harness.js');
    const browser = browserFor(server);
    const request = await pushAuthorization(rp, [PAYMENT]);
    const page = await browser.go(request.url);
    assert.match(page.body, /autocomplete="username/);
    assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
    const tokens = await rp.callback(await browser.submit(page, { ...DEMO }, '/password'), request);
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['an amount with a thousands separator', [{ ...PAYMENT, instructedAmount: { currency: 'EUR', amount: '5,000.00' } }], /\[0\]\.instructedAmount\.amount: must be a positive decimal string/],
    ['an amount as a JSON number', [{ ...PAYMENT, instructedAmount: { currency: 'EUR', amount: 5000 } }], /instructedAmount\.amount/],
    ['a field the page could not show', [{ ...PAYMENT, executionDate: '2030-01-01' }], /\[0\]\.executionDate: is not a field of this type/],
    ['an IBAN with wrong check digits', [{ ...PAYMENT, creditorAccount: { iban: 'DE00370400440532013000' } }], /creditorAccount\.iban/],
    ['an unknown type', [{ type: 'crypto_transfer', amount: '1' }], /unsupported authorization details type/],
    ['a second detail that is wrong', [PAYMENT, { ...DELETE_PRODUCTION, action: 'rm -rf' }], /\[1\]\.action/],
    ['six details', Array.from({ length: 6 }, () => PAYMENT), /at most 5 entries/],
  ];
  for (const [name, details, description] of invalid) {
    test(`PAR refuses ${name} with invalid_authorization_details`, async () => {
      const answer = await pushRaw(server, { authorization_details: JSON.stringify(details) });
      assert.equal(answer.status, 400, answer.body);
      const body = JSON.parse(answer.body) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_authorization_details');
      assert.match(body.error_description, description);
    });
  }

  test('PAR refuses details that are not JSON, not an array, or not valid Unicode, never with a 5xx', async () => {
    const loneSurrogate = JSON.stringify([{ ...PAYMENT, creditorName: 'ACME' }]).replace('ACME', 'AC\\ud800ME');
    for (const text of ['[{"type":', '{"type":"payment_initiation"}', '"payment"', loneSurrogate]) {
      const answer = await pushRaw(server, { authorization_details: text });
      assert.equal(answer.status, 400, `${text}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { error: string }).error, 'invalid_authorization_details', text);
    }
  });

  test('a client limited to payments cannot push an action', async () => {
    const fields = { client_id: PAYMENTS_ONLY.id, redirect_uri: PAYMENTS_ONLY.redirectUri };
    const refused = await pushRaw(server, { ...fields, authorization_details: JSON.stringify([DELETE_PRODUCTION]) });
    assert.equal(refused.status, 400);
    assert.deepEqual(JSON.parse(refused.body), {
      error: 'invalid_authorization_details',
      error_description: "authorization details type 'stepwise_action' is not allowed for this client",
    });
    assert.equal((await pushRaw(server, { ...fields, authorization_details: JSON.stringify([PAYMENT]) })).status, 201);
  });

  test('a browser app may push from its redirect origin, and from no other', async () => {
    const own = new URL(RP_REDIRECT_URI).origin;
    const details = JSON.stringify([PAYMENT]);
    const allowed = await pushRaw(server, { authorization_details: details }, { origin: own });
    assert.equal(allowed.status, 201, allowed.body);
    assert.equal(allowed.headers.get('access-control-allow-origin'), own);
    assert.match((JSON.parse(allowed.body) as { request_uri: string }).request_uri, /^urn:ietf:params:oauth:request_uri:/);

    const foreign = await pushRaw(server, { authorization_details: details }, { origin: 'https://attacker.example' });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);

    const preflight = await fetch(`${server.issuer}/request`, {
      method: 'OPTIONS',
      headers: { origin: own, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), own);
  });
});

describe('with no detail types configured', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ overrides: { authorization_details: { types: {} } } });
  });
  after(async () => server.destroy());

  test('rich authorization requests are off; PAR stays, and the demo client still loads', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    const metadata = rp.config.serverMetadata();
    assert.equal(metadata.authorization_details_types_supported, undefined);
    assert.equal(metadata.pushed_authorization_request_endpoint, `${server.issuer}/request`);
    const demo = await RelyingParty.discover(server.issuer, { id: 'demo-app', redirectUri: 'http://localhost:3001/callback' });
    const verifier = 'x'.repeat(43);
    const pushed = await fetch(`${server.issuer}/request`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: 'demo-app', response_type: 'code', redirect_uri: demo.redirectUri, scope: 'openid',
        code_challenge: verifier, code_challenge_method: 'S256',
      }),
    });
    assert.equal(pushed.status, 201, await pushed.text());
  });
});
