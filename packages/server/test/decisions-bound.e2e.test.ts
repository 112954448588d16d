// A decision bound to one transaction, end to end over real HTTP: the bank
// asks about a 5,000.00 EUR payment to ACME with its RFC 9396
// authorization_details; the answer is step_up and echoes the details and
// their txn; the challenge (JSON and hosted page) shows the payment in plain
// words while the user answers with their authenticator app; the receipt
// carries the details exactly as given and txn = transactionHash(details),
// and @stepwise/guard accepts it for those details.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash } from '@stepwise/core';
import { createGuard } from '@stepwise/guard';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { callApi, paymentDetails, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { signIn, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('decision API bound to a transaction (authorization_details)', () => {
  let server: TestServer;
  let key = '';
  let keyName = '';
  let subject = '';
  let totp: Enrolled;
  const details = paymentDetails();
  const txn = transactionHash(details);

  before(async () => {
    ({ server, key, keyName, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server.destroy());

  const boundTransfer = () => callApi(server, '/v1/decisions', {
    key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, authorization_details: details, return_to: 'http://127.0.0.1:9/stepped-up' },
  });

  let decisionId = '';
  let challenge = { id: '', url: '' };

  test('the decision is judged as before (step_up) and echoes authorization_details and txn', async () => {
    const answer = await boundTransfer();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.decision, 'step_up');
    assert.deepEqual(answer.body.requirement, { acr: 'aal2', max_age: 300 });
    assert.deepEqual(answer.body.authorization_details, details);
    assert.equal(answer.body.txn, txn);
    decisionId = String(answer.body.decision_id);
    challenge = answer.body.challenge as typeof challenge;

    // Stored with the decision, as part of what it was asked.
    const row = await server.server.database.db.selectFrom('decisions').select('input').where('id', '=', decisionId).executeTakeFirstOrThrow();
    assert.deepEqual((JSON.parse(row.input) as { authorization_details: unknown }).authorization_details, details);
  });

  test('GET /v1/challenges/:id has the details, their txn and the transaction in plain words', async () => {
    const pending = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(pending.status, 200);
    assert.equal(pending.body.state, 'pending');
    assert.deepEqual(pending.body.authorization_details, details);
    assert.equal(pending.body.txn, txn);
    assert.deepEqual(pending.body.transaction, [{
      summary: 'Pay 5,000.00 EUR to ACME',
      facts: [
        { label: 'Amount', value: '5,000.00 EUR' },
        { label: 'Payee', value: 'ACME' },
        { label: 'Payee account', value: 'DE89 3704 0044 0532 0130 00' },
        { label: 'Reference', value: 'Invoice 2026-117' },
      ],
    }]);
  });

  test('the hosted page shows the payment while the user answers, and the receipt is bound to it', async () => {
    const { browser } = await signIn(server);
    const page = await browser.go(challenge.url);
    assert.equal(page.status, 200, page.body.slice(0, 500));
    assert.match(page.body, /data-transaction-summary>Pay 5,000\.00 EUR to ACME</);
    assert.match(page.body, /<dt>Payee account<\/dt><dd>DE89 3704 0044 0532 0130 00<\/dd>/);
    assert.match(page.body, /authenticator app/i);
    const landing = await browser.submit(page, { code: totpForStep(totp.secret, totp.step + 1) }, '/totp');
    assert.equal(landing.url, `http://127.0.0.1:9/stepped-up?challenge_id=${challenge.id}`, landing.body.slice(0, 1000));

    const done = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(done.body.state, 'satisfied');
    const receipt = String(done.body.receipt);
    const { payload, protectedHeader } = await jwtVerify(receipt, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), {
      issuer: server.issuer, audience: keyName, typ: 'stepwise-receipt+jwt', algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.typ, 'stepwise-receipt+jwt');
    assert.equal(payload.sub, subject);
    assert.equal(payload.acr, 'aal2');
    assert.equal(payload.decision_id, decisionId);
    assert.equal(payload.action, 'transfer.create');
    assert.deepEqual(payload.authorization_details, details);
    assert.equal(payload.txn, txn);
    assert.equal(payload.txn, transactionHash(payload.authorization_details as unknown[]));

    // What the bank does before it executes the payment: @stepwise/guard checks the receipt is for exactly these details.
    const verified = await createGuard({ issuer: server.issuer, audience: `${server.issuer}/unused` })
      .verifyReceipt(receipt, { audience: keyName, action: 'transfer.create', decisionId, subject, authorizationDetails: details }, { acr: 'aal2', maxAge: 300 });
    assert.equal(verified.decisionId, decisionId);
    assert.deepEqual(verified.authorizationDetails, details);
  });

  test('without authorization_details nothing changes: no details or txn in the answer or the challenge', async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', resource: { amount: 5000 } } });
    assert.equal(answer.body.decision, 'step_up');
    assert.equal(answer.body.authorization_details, undefined);
    assert.equal(answer.body.txn, undefined);
    const unbound = answer.body.challenge as { id: string; url: string };
    const pending = await callApi(server, `/v1/challenges/${unbound.id}`, { key });
    for (const field of ['authorization_details', 'txn', 'transaction']) assert.equal(pending.body[field], undefined, field);
    const page = await (await signIn(server)).browser.go(unbound.url);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /data-transaction/);
  });
});
