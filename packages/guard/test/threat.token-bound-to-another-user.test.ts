// Threat: Alice approved a transfer from her account A to ACME. Mallory, or
// malware on Alice's side, sends the same transfer on account B's route
// (/accounts/B/transfers) with her bound token, to move money out of another
// account for the same amount and payee; or a backend verifies Alice's bound
// receipt for Bob's action. What stops it: the route builds the details with
// the debited account from its path, so the hash differs (mismatch), and a
// receipt checked for another subject is refused before anything is used up.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { authOf, RECEIPT_TYPE, requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import { closeServer, listen } from './support/http.js';
import type { TestIssuer } from './support/issuer.js';
import { hintedDetails, payment, rejection, type Transfer } from './support/transaction.js';
import { startIssuerAndGuard } from './support/verdict.js';

const ACCOUNT_A = 'DE02120300000000202051';
const ACCOUNT_B = 'DE02500105170137075030';

describe('a token bound to another account or user', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  let server: Server;
  let base = '';
  const transfer = { amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' };

  before(async () => {
    ({ issuer, guard } = await startIssuerAndGuard(clock));
    const app = express();
    const fromPath = (req: express.Request) => payment({ ...(req.body as Transfer), from: req.params.id as string });
    app.post('/accounts/:id/transfers', express.json(), guard.express<express.Request>(requireTransaction(fromPath, { acr: 'aal2' })), (req, res) => {
      res.json({ sub: authOf(req).subject });
    });
    server = createServer(app);
    base = await listen(server);
  });
  after(async () => {
    await closeServer(server);
    await issuer.close();
  });

  const send = (account: string, token: string) => fetch(`${base}/accounts/${account}/transfers`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(transfer),
  });

  test('a token bound to account A, on account B\'s route: ERR_TXN_MISMATCH, asking to approve the debit of B', async () => {
    const token = await issuer.signBound(payment({ ...transfer, from: ACCOUNT_A }));
    const response = await send(ACCOUNT_B, token);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'ERR_TXN_MISMATCH');
    assert.deepEqual(hintedDetails(response.headers.get('www-authenticate')), payment({ ...transfer, from: ACCOUNT_B }));
    // Not used up by the attempt: on A's own route it pays once.
    assert.equal((await send(ACCOUNT_A, token)).status, 200);
    assert.equal((await send(ACCOUNT_A, token)).status, 401);
  });

  test('Bob\'s token bound to his own account B does not pay from A', async () => {
    const token = await issuer.signBound(payment({ ...transfer, from: ACCOUNT_B }), { sub: 'usr_bob' });
    const response = await send(ACCOUNT_A, token);
    assert.equal(((await response.json()) as { error: string }).error, 'ERR_TXN_MISMATCH');
  });

  test('a bound receipt of Alice checked for Bob is refused (reason receipt) and stays usable by Alice\'s own check', async () => {
    const details = payment({ ...transfer, from: ACCOUNT_A });
    const receipt = await issuer.signBound(details, { aud: 'bank-backend', decision_id: 'dec_1', action: 'transfer.create' }, { header: { typ: RECEIPT_TYPE } });
    const expected = { audience: 'bank-backend', action: 'transfer.create', authorizationDetails: details };
    const error = await rejection(guard.verifyReceipt(receipt, { ...expected, subject: 'usr_bob' }));
    assert.equal(error.code, 'ERR_TOKEN_INVALID');
    assert.equal(error.reason, 'receipt');
    const verified = await guard.verifyReceipt(receipt, { ...expected, subject: 'usr_alice' });
    assert.equal(verified.subject, 'usr_alice');
    assert.equal((await rejection(guard.verifyReceipt(receipt, { ...expected, subject: 'usr_alice' }))).code, 'ERR_TXN_REPLAYED');
  });
});
