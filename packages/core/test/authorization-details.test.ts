// The two detail types a step-up can be bound to: every field is checked,
// and every field is shown in plain words, because what the user does not
// see they cannot approve.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthorizationDetailsError, checkAuthorizationDetails, describeDetail, type DetailTypes } from '../src/index.js';

const payment = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' };

function refusedAt(details: unknown, field: string, types?: DetailTypes): void {
  assert.throws(
    () => checkAuthorizationDetails(details, types),
    (error: unknown) => error instanceof AuthorizationDetailsError && error.field === field && error.status === 400,
    `expected a refusal at ${field}`,
  );
}

describe('authorization details', () => {
  test('a payment and an action with resource fields pass', () => {
    const details = [
      { ...payment, creditorAccount: { iban: 'DE89370400440532013000' }, remittanceInformationUnstructured: 'Invoice 42' },
      { type: 'stepwise_action', action: 'environment.delete', resource: { environment: 'production', project: 'acme', replicas: 3, hard: true } },
    ];
    assert.equal(checkAuthorizationDetails(details), details);
  });

  test('malformed payments are refused at the field at fault', () => {
    refusedAt(undefined, 'authorization_details');
    refusedAt([], 'authorization_details');
    refusedAt({ ...payment }, 'authorization_details');
    refusedAt(Array(6).fill(payment), 'authorization_details');
    refusedAt(['x'], 'authorization_details[0]');
    refusedAt([{ ...payment, type: 'account_information' }], 'authorization_details[0].type');
    refusedAt([{ ...payment, instructedAmount: { currency: 'EUR', amount: 5000 } }], 'authorization_details[0].instructedAmount.amount');
    for (const amount of ['-5', '0', '0.00', '1e3', '05', '1.2345', ' 5', 'NaN', '1'.repeat(16)]) {
      refusedAt([{ ...payment, instructedAmount: { currency: 'EUR', amount } }], 'authorization_details[0].instructedAmount.amount');
    }
    refusedAt([{ ...payment, instructedAmount: { currency: 'eur', amount: '1' } }], 'authorization_details[0].instructedAmount.currency');
    refusedAt([{ ...payment, instructedAmount: { currency: 'EUR', amount: '1', fee: '1' } }], 'authorization_details[0].instructedAmount.fee');
    refusedAt([{ ...payment, creditorName: '' }], 'authorization_details[0].creditorName');
    refusedAt([{ ...payment, creditorName: 'A\nB' }], 'authorization_details[0].creditorName');
    refusedAt([{ ...payment, creditorName: 'x'.repeat(141) }], 'authorization_details[0].creditorName');
    refusedAt([{ ...payment, creditorAccount: { iban: 'DE89370400440532013001' } }], 'authorization_details[0].creditorAccount.iban');
    refusedAt([{ ...payment, debtorAccount: { iban: 'GB00' } }], 'authorization_details[0].debtorAccount.iban');
    refusedAt([{ ...payment, hidden: 'not shown' }], 'authorization_details[0].hidden');
  });

  test('actions: names, resource fields and the configured allow-lists', () => {
    const action = { type: 'stepwise_action', action: 'environment.delete' };
    refusedAt([{ ...action, action: 'drop table' }], 'authorization_details[0].action');
    refusedAt([{ ...action, resource: { 'bad name': 'x' } }], 'authorization_details[0].resource.bad name');
    refusedAt([{ ...action, resource: { nested: { a: 1 } } }], 'authorization_details[0].resource.nested');
    refusedAt([{ ...action, resource: { n: Number.NaN } }], 'authorization_details[0].resource.n');
    const types: DetailTypes = {
      stepwise_action: { kind: 'action', actions: { 'environment.delete': 'Delete an environment' } },
      payment_initiation: { kind: 'payment', currencies: ['EUR'] },
    };
    assert.doesNotThrow(() => checkAuthorizationDetails([action], types));
    refusedAt([{ ...action, action: 'environment.create' }], 'authorization_details[0].action', types);
    refusedAt([{ ...payment, instructedAmount: { currency: 'USD', amount: '1' } }], 'authorization_details[0].instructedAmount.currency', types);
  });

  test('descriptions name the amount exactly as written and every field', () => {
    const described = describeDetail({ ...payment, instructedAmount: { currency: 'EUR', amount: '1234567.5' }, creditorAccount: { iban: 'DE89370400440532013000' }, debtorAccount: { iban: 'GB82WEST12345698765432' }, remittanceInformationUnstructured: 'Invoice 42' });
    assert.equal(described.summary, 'Pay 1,234,567.5 EUR to ACME');
    assert.deepEqual(described.facts, [
      { label: 'Amount', value: '1,234,567.5 EUR' },
      { label: 'Payee', value: 'ACME' },
      { label: 'Payee account', value: 'DE89 3704 0044 0532 0130 00' },
      { label: 'From account', value: 'GB82 WEST 1234 5698 7654 32' },
      { label: 'Reference', value: 'Invoice 42' },
    ]);
    const types: DetailTypes = { stepwise_action: { kind: 'action', actions: { 'environment.delete': 'Delete an environment' } } };
    const action = describeDetail({ type: 'stepwise_action', action: 'environment.delete', resource: { environment_name: 'production' } }, types);
    assert.equal(action.summary, 'Delete an environment: production');
    assert.deepEqual(action.facts, [{ label: 'Action', value: 'Delete an environment' }, { label: 'environment name', value: 'production' }]);
    const unknown = describeDetail({ type: 'retired_type', amount: '5', to: { iban: 'X' } }, {});
    assert.deepEqual(unknown, { summary: 'retired_type', facts: [{ label: 'amount', value: '5' }, { label: 'to', value: '{"iban":"X"}' }] });
  });
});
