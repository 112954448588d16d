// The user approves a payment of 5,000.00 EUR to ACME and gets a real bound
// receipt. The attacker (a compromised front end, a man in the browser)
// then changes the transaction the app is about to execute: 50,000.00
// instead of 5,000.00, or another payee, and presents the same receipt; or
// edits the details inside the receipt; or, once the payment went through,
// presents the receipt again to repeat it. @stepwise/guard refuses each:
// ERR_TXN_MISMATCH (the refusal does not use the receipt up),
// ERR_TOKEN_INVALID for the edited receipt, ERR_TXN_REPLAYED the second time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthorizationDetail } from '@stepwise/core';
import { createGuard, type StepwiseGuard } from '@stepwise/guard';
import { approveBoundTransfer, paymentDetails, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';

describe('threat: a receipt approved for 5,000.00 EUR used for another amount, payee, or twice', () => {
  let server: TestServer;
  let keyName = '';
  let guard: StepwiseGuard;
  let receipt = '';
  let decisionId = '';

  before(async () => {
    const kit = await startDecisionServerWithTotp();
    ({ server, keyName } = kit);
    ({ receipt, decisionId } = await approveBoundTransfer(server, kit, paymentDetails('5000.00')));
    guard = createGuard({ issuer: server.issuer, audience: `${server.issuer}/unused` });
  });
  after(async () => server.destroy());

  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as { code: string };
    }
    assert.fail('expected a refusal');
  };
  const expecting = (authorizationDetails: AuthorizationDetail[]) => ({ audience: keyName, action: 'transfer.create', decisionId, authorizationDetails });

  test('the same receipt against 50,000.00 EUR: ERR_TXN_MISMATCH', async () => {
    assert.equal((await refusal(guard.verifyReceipt(receipt, expecting(paymentDetails('50000.00'))))).code, 'ERR_TXN_MISMATCH');
  });

  test('against another payee or another account: ERR_TXN_MISMATCH', async () => {
    const detail = paymentDetails()[0]!;
    for (const changed of [{ ...detail, creditorName: 'ACME Ltd' }, { ...detail, creditorAccount: { iban: 'GB82WEST12345698765432' } }]) {
      assert.equal((await refusal(guard.verifyReceipt(receipt, expecting([changed])))).code, 'ERR_TXN_MISMATCH');
    }
  });

  test('the details edited inside the receipt break its signature: ERR_TOKEN_INVALID', async () => {
    const [header, payload, signature] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { authorization_details: AuthorizationDetail[] };
    claims.authorization_details = paymentDetails('50000.00');
    const edited = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    assert.equal((await refusal(guard.verifyReceipt(edited, expecting(paymentDetails('50000.00'))))).code, 'ERR_TOKEN_INVALID');
  });

  test('the refusals did not use it up: the approved details (keys in another order) verify once', async () => {
    const reordered = Object.fromEntries(Object.entries(paymentDetails('5000.00')[0]!).reverse()) as AuthorizationDetail;
    const verified = await guard.verifyReceipt(receipt, expecting([reordered]), { acr: 'aal2', maxAge: 300 });
    assert.equal(verified.decisionId, decisionId);
    assert.deepEqual(verified.authorizationDetails, paymentDetails('5000.00'));
  });

  test('the same receipt for the same details a second time: ERR_TXN_REPLAYED', async () => {
    assert.equal((await refusal(guard.verifyReceipt(receipt, expecting(paymentDetails('5000.00'))))).code, 'ERR_TXN_REPLAYED');
  });
});
