// The bank's API through the real guard, with real access tokens from a real
// Stepwise (openid-client as the bank's public client, the demo user's
// password, and an authenticator app enrolled on the way to aal2).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoWorld, type DemoWorld } from './support/demo-world.js';
import { BankRelyingParty } from './support/relying-party.js';

const STEP_UP_CHALLENGE =
  /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="aal2", max_age=300$/;
/** The same challenge for a large transfer, carrying the transfer to approve. */
const TRANSFER_CHALLENGE =
  /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="aal2", max_age=300, authorization_details="([A-Za-z0-9_-]+)"$/;

/** The details the API asks to approve for a transfer, read back from its challenge. */
function detailsIn(challenge: string | null): unknown {
  const match = TRANSFER_CHALLENGE.exec(challenge ?? '');
  assert.ok(match, `a transfer challenge with authorization_details: ${challenge}`);
  return JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
}

const PAYMENT_5000 = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'Jamie Rivera' }];

describe('Stepwise Bank API', () => {
  let world: DemoWorld;
  let rp: BankRelyingParty;
  let aal1 = '';

  before(async () => {
    world = await startDemoWorld('127.0.0.1');
    rp = await BankRelyingParty.discover(world);
    aal1 = await rp.accessToken();
  });
  after(async () => world?.close());

  function call(path: string, options: { token?: string; method?: string; body?: unknown; raw?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${world.bankUrl}/api${path}`, {
      method: options.method ?? (options.body !== undefined || options.raw !== undefined ? 'POST' : 'GET'),
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
  }

  async function balance(token: string): Promise<number> {
    const response = await call('/account', { token });
    assert.equal(response.status, 200);
    return ((await response.json()) as { balance: number }).balance;
  }

  test('no token: 401 with a Bearer challenge and a JSON error', async () => {
    const response = await call('/account');
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    assert.match(((await response.json()) as { error: string }).error, /^ERR_/);
  });

  test('a token for another audience (Stepwise itself) is refused as invalid_token', async () => {
    const other = await BankRelyingParty.discover(world);
    const foreign = await other.accessToken({ resource: world.issuer });
    const response = await call('/account', { token: foreign });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });

  test('aal1: the account with its opening balance and history', async () => {
    const response = await call('/account', { token: aal1 });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const account = (await response.json()) as { balance: number; currency: string; transactions: unknown[]; holder: string };
    assert.equal(account.balance, 12_500);
    assert.equal(account.currency, 'EUR');
    assert.ok(account.transactions.length >= 3);
    assert.equal(typeof account.holder, 'string');
  });

  test('aal1: a transfer of 50 goes through', async () => {
    const response = await call('/transfers', { token: aal1, body: { amount: 50, payee: 'Jamie Rivera', reference: 'Lunch' } });
    assert.equal(response.status, 201);
    const result = (await response.json()) as { transfer: { amount: number; payee: string; reference: string }; balance: number; auth: { acr: string } };
    assert.deepEqual([result.transfer.amount, result.transfer.payee, result.transfer.reference], [50, 'Jamie Rivera', 'Lunch']);
    assert.equal(result.balance, 12_450);
    assert.equal(result.auth.acr, 'aal1');
  });

  test('aal1: a transfer of 5,000 gets the RFC 9470 challenge with the transfer to approve, and moves no money', async () => {
    const response = await call('/transfers', { token: aal1, body: { amount: 5000, payee: 'Jamie Rivera' } });
    assert.equal(response.status, 401);
    assert.deepEqual(detailsIn(response.headers.get('www-authenticate')), PAYMENT_5000);
    const body = (await response.json()) as { error: string; authorization_details: unknown };
    assert.equal(body.error, 'ERR_TXN_UNBOUND');
    assert.deepEqual(body.authorization_details, PAYMENT_5000);
    assert.equal(await balance(aal1), 12_450);
  });

  test('the reference is part of what is approved', async () => {
    const response = await call('/transfers', { token: aal1, body: { amount: 1000.01, payee: 'ACME', reference: 'Invoice 7' } });
    assert.deepEqual(detailsIn(response.headers.get('www-authenticate')), [{
      type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '1000.01' }, creditorName: 'ACME', remittanceInformationUnstructured: 'Invoice 7',
    }]);
  });

  test('aal1: changing the email gets the same challenge', async () => {
    const response = await call('/account/email', { token: aal1, method: 'PUT', body: { email: 'dana@example.org' } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', STEP_UP_CHALLENGE);
  });

  const invalidTransfers: [string, unknown, string][] = [
    ['no amount', { payee: 'Jamie' }, 'amount'],
    ['amount as a string', { amount: '50', payee: 'Jamie' }, 'amount'],
    ['zero', { amount: 0, payee: 'Jamie' }, 'amount'],
    ['a negative amount', { amount: -50, payee: 'Jamie' }, 'amount'],
    ['three decimals', { amount: 10.005, payee: 'Jamie' }, 'amount'],
    ['an exponent beyond any balance', { amount: 1e21, payee: 'Jamie' }, 'amount'],
    ['more than the balance, before any step-up', { amount: 20_000, payee: 'Jamie' }, 'amount'],
    ['no payee', { amount: 50 }, 'payee'],
    ['a blank payee', { amount: 50, payee: '   ' }, 'payee'],
    ['a payee of 81 characters', { amount: 50, payee: 'x'.repeat(81) }, 'payee'],
    ['a payee that is not text', { amount: 50, payee: { name: 'Jamie' } }, 'payee'],
    ['a payee with a line break', { amount: 50, payee: 'Jamie\nPaid in full' }, 'payee'],
    ['a reference that is not text', { amount: 50, payee: 'Jamie', reference: 7 }, 'reference'],
    ['an array', [50, 'Jamie'], 'body'],
    ['null', null, 'body'],
  ];
  for (const [name, body, field] of invalidTransfers) {
    test(`transfer with ${name}: 400 ERR_VALIDATION on ${field}`, async () => {
      const response = await call('/transfers', { token: aal1, body });
      assert.equal(response.status, 400);
      const error = (await response.json()) as { error: string; field: string; message: string };
      assert.deepEqual([error.error, error.field], ['ERR_VALIDATION', field]);
      assert.ok(error.message.length > 0);
    });
  }

  test('a body that is not JSON, or too large: 4xx ERR_VALIDATION, never 5xx', async () => {
    const broken = await call('/transfers', { token: aal1, raw: '{"amount": 50,' });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: string }).error, 'ERR_VALIDATION');
    const huge = await call('/transfers', { token: aal1, raw: JSON.stringify({ amount: 50, payee: 'x'.repeat(20_000) }) });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { error: string }).error, 'ERR_VALIDATION');
    assert.equal(await balance(aal1), 12_450);
  });

  test('an invalid email is refused before any step-up', async () => {
    const response = await call('/account/email', { token: aal1, method: 'PUT', body: { email: 'not an address' } });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { field: string }).field, 'email');
  });

  test('unknown API routes answer JSON 404', async () => {
    const response = await call('/nowhere', { token: aal1 });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: string }).error, 'ERR_NOT_FOUND');
  });

  test('aal2 within 5 minutes: the email change goes through, a large transfer still needs its own approval', async () => {
    const aal2 = await rp.accessToken({ acr_values: 'aal2', max_age: '300' });
    assert.ok(rp.authenticator.secret, 'the step-up enrolled an authenticator app');
    const email = await call('/account/email', { token: aal2, method: 'PUT', body: { email: ' dana@example.org ' } });
    assert.equal(email.status, 200);
    assert.equal(((await email.json()) as { email: string }).email, 'dana@example.org');

    const unbound = await call('/transfers', { token: aal2, body: { amount: 5000, payee: 'Jamie Rivera' } });
    assert.equal(unbound.status, 401);
    assert.equal(((await unbound.json()) as { error: string }).error, 'ERR_TXN_UNBOUND');
    assert.equal(await balance(aal2), 12_450);
  });

  test('a token approved for the transfer of 5,000 books it once; Stepwise showed amount and payee', async () => {
    const tokens = await rp.boundAccessToken(PAYMENT_5000, { acr_values: 'aal2', max_age: '300' });
    assert.ok(rp.shown.some((page) => page.includes('Pay 5,000.00 EUR to Jamie Rivera')), 'the approval page names amount and payee');
    assert.equal(tokens.refresh_token, undefined, 'a bound grant has no refresh token');
    const transfer = await call('/transfers', { token: tokens.access_token, body: { amount: 5000, payee: 'Jamie Rivera' } });
    assert.equal(transfer.status, 201);
    const result = (await transfer.json()) as { balance: number; auth: { acr: string; amr: string[] }; approved: unknown };
    assert.equal(result.balance, 7_450);
    assert.equal(result.auth.acr, 'aal2');
    assert.ok(result.auth.amr.includes('otp'));
    assert.deepEqual(result.approved, PAYMENT_5000);

    const again = await call('/transfers', { token: tokens.access_token, body: { amount: 5000, payee: 'Jamie Rivera' } });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { error: string }).error, 'ERR_TXN_REPLAYED');
    assert.equal(await balance(aal1), 7_450, 'the replay moved no money');
  });

  test('an approval for one payee does not pay another, nor another amount', async () => {
    const tokens = await rp.boundAccessToken(PAYMENT_5000, { acr_values: 'aal2', max_age: '300' });
    for (const body of [{ amount: 5000, payee: 'Mallory' }, { amount: 5000.5, payee: 'Jamie Rivera' }, { amount: 5000, payee: 'Jamie Rivera', reference: 'x' }]) {
      const response = await call('/transfers', { token: tokens.access_token, body });
      assert.equal(response.status, 401);
      const refusal = (await response.json()) as { error: string; message: string };
      assert.equal(refusal.error, 'ERR_TXN_MISMATCH');
      assert.match(refusal.message, /other transaction details/);
    }
    assert.equal(await balance(aal1), 7_450);
  });
});
