// Threat: the user approved "transfer 5,000.00 EUR to ACME" and the client
// holds the bound token. Malware in the browser, or a tampering proxy, sends
// the transfer with another amount (50,000.00, or 5,000.0 that looks the
// same) with that token, or edits the amount inside the token. What stops
// it: the route rebuilds the details from the request and the token's txn
// must be their hash; the refusal asks for the NEW details, so the user sees
// the real amount on the approval page; an edited token fails its signature.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash } from '@stepwise/core';
import { requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import type { TestIssuer } from './support/issuer.js';
import { assertHint, hintedDetails, payment, type Transfer } from './support/transaction.js';
import { acceptedAuth, bearer, refusalOf, startIssuerAndGuard } from './support/verdict.js';

const MISMATCH = 'The token was approved for other transaction details (amount, payee or resource changed); approve this transaction';

describe('a bound token presented with a changed amount', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction((transfer: Transfer) => payment(transfer), { acr: 'aal2', maxAge: 300 });
  const approved: Transfer = { amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' };

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const attempt = async (token: string, transfer: Transfer) => guard.verifyRequest(bearer(token), route(transfer));

  test('50000.00 instead of 5000.00: ERR_TXN_MISMATCH, and the challenge asks to approve 50000.00', async () => {
    const token = await issuer.signBound(payment(approved));
    const changed = { ...approved, amount: '50000.00' };
    const refusal = await refusalOf(await attempt(token, changed));
    assert.equal(refusal.status, 401);
    assert.equal(refusal.body.error, 'ERR_TXN_MISMATCH');
    assert.equal(refusal.body.reason, 'mismatch');
    assert.equal(refusal.body.message, MISMATCH);
    assertHint(refusal, payment(changed));
    assert.equal((hintedDetails(refusal.challenge) as Array<{ instructedAmount: { amount: string } }>)[0]!.instructedAmount.amount, '50000.00');
    assert.notEqual(refusal.body.txn, transactionHash(payment(approved)));
    // The mismatch used nothing up: the approved transfer still goes through.
    await acceptedAuth(await attempt(token, approved));
  });

  test('an amount spelled otherwise (5000.0, 5000, 5000.000) is another text on the approval page, so another transaction', async () => {
    const token = await issuer.signBound(payment(approved));
    for (const amount of ['5000.0', '5000', '5000.000', ' 5000.00', '05000.00']) {
      const refusal = await refusalOf(await attempt(token, { ...approved, amount }));
      assert.equal(refusal.body.error, 'ERR_TXN_MISMATCH', amount);
    }
  });

  test('another currency for the same figure is another transaction', async () => {
    const token = await issuer.signBound(payment(approved));
    const refusal = await refusalOf(await attempt(token, { ...approved, currency: 'USD' }));
    assert.equal(refusal.body.error, 'ERR_TXN_MISMATCH');
  });

  test('editing the amount in the token, txn recomputed to match, breaks the signature', async () => {
    const changed = payment({ ...approved, amount: '50000.00' });
    const [header, payload, signature] = (await issuer.signBound(payment(approved))).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = { ...claims, authorization_details: changed, txn: transactionHash(changed) };
    const forged = `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`;
    const refusal = await refusalOf(await attempt(forged, { ...approved, amount: '50000.00' }));
    assert.equal(refusal.body.error, 'ERR_TOKEN_INVALID');
    assert.equal(refusal.body.reason, 'signature');
  });

  test('a token bound to 50000.00 cannot pay 5000.00 either: the binding is equality, not a ceiling', async () => {
    const token = await issuer.signBound(payment({ ...approved, amount: '50000.00' }));
    assert.equal((await refusalOf(await attempt(token, approved))).body.error, 'ERR_TXN_MISMATCH');
  });
});
