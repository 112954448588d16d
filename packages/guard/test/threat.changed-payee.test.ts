// Threat: the user approved 5,000.00 EUR to ACME; an attacker who can alter
// the request (malware, a compromised front end) keeps the amount and sends
// the money elsewhere: another payee name, another IBAN under the same name,
// a reference added, a second payment appended, or the payments reordered.
// What stops it: every field of every detail is in the hash, and so is the
// order of the array; only the exact approved details pass.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthorizationDetail } from '@stepwise/core';
import { requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import type { TestIssuer } from './support/issuer.js';
import { ACME_5000, assertHint, payment } from './support/transaction.js';
import { acceptedAuth, bearer, refusalOf, startIssuerAndGuard } from './support/verdict.js';

describe('a bound token presented with a changed payee', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction((details: AuthorizationDetail[]) => details, { acr: 'aal2' });
  const rent = payment({ amount: '900.00', payee: 'Landlord', iban: 'GB82WEST12345698765432' });

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const attempt = async (token: string, details: AuthorizationDetail[]) => guard.verifyRequest(bearer(token), route(details));

  const changes: Array<[string, AuthorizationDetail[]]> = [
    ['another payee name', payment({ amount: '5000.00', payee: 'Mallory', iban: 'DE89370400440532013000' })],
    ['the same name with another IBAN', payment({ amount: '5000.00', payee: 'ACME', iban: 'GB82WEST12345698765432' })],
    ['the IBAN dropped', payment({ amount: '5000.00', payee: 'ACME' })],
    ['a payee name differing in case', payment({ amount: '5000.00', payee: 'Acme', iban: 'DE89370400440532013000' })],
    ['a reference added', [{ ...ACME_5000[0]!, remittanceInformationUnstructured: 'invoice 7' }]],
    ['a second payment appended', [...ACME_5000, ...rent]],
  ];

  for (const [change, details] of changes) {
    test(`${change}: ERR_TXN_MISMATCH asking to approve what is really sent`, async () => {
      const refusal = await refusalOf(await attempt(await issuer.signBound(ACME_5000), details));
      assert.equal(refusal.body.error, 'ERR_TXN_MISMATCH');
      assertHint(refusal, details);
    });
  }

  test('two approved payments sent in the other order are another transaction', async () => {
    const token = await issuer.signBound([...ACME_5000, ...rent]);
    assert.equal((await refusalOf(await attempt(token, [...rent, ...ACME_5000]))).body.error, 'ERR_TXN_MISMATCH');
    await acceptedAuth(await attempt(token, [...ACME_5000, ...rent]));
  });

  test('a token bound to a payee passes only for that payee', async () => {
    await acceptedAuth(await attempt(await issuer.signBound(ACME_5000), payment({ amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' })));
  });
});
