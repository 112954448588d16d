// The attacker (or a buggy backend) sends authorization_details the user
// could not be shown faithfully, or that would break hashing or storage:
// not an array, empty, too many entries, an unknown type or field, an
// amount as a binary float or a negative or NaN-like string, a bad currency
// or IBAN, huge strings, control characters, a lone surrogate (no RFC 8785
// form), prototype keys. Each is a 400 ERR_AUTHORIZATION_DETAILS_INVALID
// naming the field (or a 4xx for unreadable JSON); none is a 5xx, none is
// decided or stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiKeys, DEMO_USER, epochSeconds } from '../src/index.js';
import { callApi, paymentDetails, startDecisionServer } from './support/decision-kit.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { userIdOf } from './support/threat-kit.js';

type Detail = Record<string, unknown>;

const payment = (change: (detail: Detail) => Detail): Detail[] => [change(paymentDetails()[0]!)];
const amount = (value: unknown) => payment((detail) => ({ ...detail, instructedAmount: { currency: 'EUR', amount: value } }));
const currency = (value: unknown) => payment((detail) => ({ ...detail, instructedAmount: { currency: value, amount: '10.00' } }));
const iban = (value: unknown) => payment((detail) => ({ ...detail, creditorAccount: { iban: value } }));
const payee = (value: unknown) => payment((detail) => ({ ...detail, creditorName: value }));
const action = (fields: Detail): Detail[] => [{ type: 'stepwise_action', action: 'environment.delete', ...fields }];

const FIELD = 'authorization_details';
const CASES: [string, unknown, string][] = [
  ['an object, not an array', paymentDetails()[0], FIELD],
  ['a string', 'payment of 5000', FIELD],
  ['null', null, FIELD],
  ['an empty array', [], FIELD],
  ['more than 5 entries', Array.from({ length: 6 }, () => paymentDetails()[0]), FIELD],
  ['an entry that is a number', [5000], `${FIELD}[0]`],
  ['an entry that is a list', [[paymentDetails()[0]]], `${FIELD}[0]`],
  ['an entry without a type', payment(({ type: _t, ...rest }) => rest), `${FIELD}[0].type`],
  ['an unknown type', payment((detail) => ({ ...detail, type: 'crypto_withdrawal' })), `${FIELD}[0].type`],
  ['the second entry of an unknown type', [paymentDetails()[0], { type: 'account_information' }], `${FIELD}[1].type`],
  ['an unknown field (RFC 9396 locations)', payment((detail) => ({ ...detail, locations: ['https://evil.example'] })), `${FIELD}[0].locations`],
  ['an unknown field in the amount', payment((detail) => ({ ...detail, instructedAmount: { currency: 'EUR', amount: '1.00', fee: '0' } })), `${FIELD}[0].instructedAmount.fee`],
  ['no amount at all', payment(({ instructedAmount: _a, ...rest }) => rest), `${FIELD}[0].instructedAmount`],
  ['the amount as a number', amount(5000), `${FIELD}[0].instructedAmount.amount`],
  ['a negative amount', amount('-5000.00'), `${FIELD}[0].instructedAmount.amount`],
  ['a zero amount', amount('0.00'), `${FIELD}[0].instructedAmount.amount`],
  ['NaN', amount('NaN'), `${FIELD}[0].instructedAmount.amount`],
  ['Infinity', amount('Infinity'), `${FIELD}[0].instructedAmount.amount`],
  ['an exponent', amount('5e3'), `${FIELD}[0].instructedAmount.amount`],
  ['a hex amount', amount('0x1388'), `${FIELD}[0].instructedAmount.amount`],
  ['thousands separators', amount('5,000.00'), `${FIELD}[0].instructedAmount.amount`],
  ['a padded amount', amount(' 5000.00'), `${FIELD}[0].instructedAmount.amount`],
  ['a leading zero', amount('05000.00'), `${FIELD}[0].instructedAmount.amount`],
  ['a huge amount', amount('9'.repeat(400)), `${FIELD}[0].instructedAmount.amount`],
  ['a lower-case currency', currency('eur'), `${FIELD}[0].instructedAmount.currency`],
  ['a four-letter currency', currency('EURO'), `${FIELD}[0].instructedAmount.currency`],
  ['a currency symbol', currency('€'), `${FIELD}[0].instructedAmount.currency`],
  ['an IBAN with wrong check digits', iban('DE00370400440532013000'), `${FIELD}[0].creditorAccount.iban`],
  ['an IBAN with spaces', iban('DE89 3704 0044 0532 0130 00'), `${FIELD}[0].creditorAccount.iban`],
  ['an IBAN as a number', iban(8937040044053201), `${FIELD}[0].creditorAccount.iban`],
  ['a 10,000-character payee', payee('A'.repeat(10_000)), `${FIELD}[0].creditorName`],
  ['a 10,000-character reference', payment((detail) => ({ ...detail, remittanceInformationUnstructured: 'x'.repeat(10_000) })), `${FIELD}[0].remittanceInformationUnstructured`],
  ['an empty payee', payee(''), `${FIELD}[0].creditorName`],
  ['a payee with a NUL', payee('ACME\u0000Evil'), `${FIELD}[0].creditorName`],
  ['a payee with a line separator', payee('ACME\u2028Pay 1.00 EUR'), `${FIELD}[0].creditorName`],
  ['a payee with a lone surrogate', payee('AC\uD800ME'), `${FIELD}[0].creditorName`],
  ['a reference with a lone low surrogate', payment((detail) => ({ ...detail, remittanceInformationUnstructured: '\uDC00' })), `${FIELD}[0].remittanceInformationUnstructured`],
  ['an action with spaces', action({ action: 'rm -rf' }), `${FIELD}[0].action`],
  ['an action resource nested', action({ resource: { environment: { name: 'production' } } }), `${FIELD}[0].resource.environment`],
  ['an action resource with a lone surrogate', action({ resource: { environment: 'prod\uD83D' } }), `${FIELD}[0].resource.environment`],
];

describe('threat: malformed authorization_details', () => {
  let server: TestServer;
  let key = '';
  let subject = '';

  before(async () => {
    ({ server, key } = await startDecisionServer());
    subject = await userIdOf(server, DEMO_USER.username);
  });
  after(async () => server.destroy());

  const stored = async () => {
    const { db } = server.server.database;
    return (await db.selectFrom('decisions').select('id').execute()).length + (await db.selectFrom('challenges').select('id').execute()).length;
  };
  const decide = (details: unknown) => callApi(server, '/v1/decisions', {
    key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, authorization_details: details },
  });

  for (const [name, details, field] of CASES) {
    test(`${name}: 400 ERR_AUTHORIZATION_DETAILS_INVALID naming ${field}`, async () => {
      const before = await stored();
      const answer = await decide(details);
      assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 500));
      assert.equal(answer.body.error, 'ERR_AUTHORIZATION_DETAILS_INVALID');
      assert.equal(answer.body.field, field);
      assert.equal(await stored(), before, 'nothing is decided or stored');
    });
  }

  test('a misspelt field name is still refused as unknown (ERR_VALIDATION)', async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', authorization_detail: paymentDetails() } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'ERR_VALIDATION');
    assert.equal(answer.body.field, 'authorization_detail');
  });

  test('prototype keys and a body over the 64 KiB limit are 4xx with a code, not 5xx', async () => {
    const raw = (details: string) => `{"subject":${JSON.stringify(subject)},"action":"transfer.create","authorization_details":${details}}`;
    for (const body of [
      raw('[{"type":"payment_initiation","__proto__":{"creditorName":"Evil"}}]'),
      raw('[{"type":"payment_initiation","constructor":{"prototype":{"creditorName":"Evil"}}}]'),
      raw(`[{"type":"payment_initiation","creditorName":"${'A'.repeat(2_000_000)}"}]`),
    ]) {
      const answer = await callApi(server, '/v1/decisions', { key, body });
      assert.ok(answer.status >= 400 && answer.status < 500, `${answer.status} ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.error), /^ERR_/);
    }
  });

  test('valid details still decide (the checks above refuse only what is wrong)', async () => {
    const answer = await decide(paymentDetails());
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.decision, 'step_up');
  });
});

describe('threat: authorization_details outside the configured types', () => {
  let server: TestServer;
  let key = '';
  let subject = '';

  before(async () => {
    server = await startTestServer({
      overrides: { authorization_details: { types: { payment_initiation: { kind: 'payment', currencies: ['EUR'] } } } },
    });
    key = (await apiKeys.createApiKey(server.server.database.db, { name: 'bank-backend', returnTo: [] }, epochSeconds())).key;
    subject = await userIdOf(server, DEMO_USER.username);
  });
  after(async () => server.destroy());

  test('a currency the type does not accept, and a default type the server does not configure, are refused', async () => {
    for (const [details, field] of [
      [currency('USD'), `${FIELD}[0].instructedAmount.currency`],
      [action({}), `${FIELD}[0].type`],
    ] as const) {
      const answer = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', authorization_details: details } });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error, 'ERR_AUTHORIZATION_DETAILS_INVALID');
      assert.equal(answer.body.field, field);
    }
  });
});
