import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { isSignInTransaction } from '../src/sign-in-transaction.js';
import { paymentDetails, startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient, type NodeBrowserClient } from './helpers/node-browser-client.js';
import { signInAs } from './helpers/sign-in.js';

const TOKENS = 'stepwise:bank-web:tokens';
const PAYMENT = { amount: '5000.00', currency: 'EUR', payee: 'ACME Ltd' };

function claimsOf(authorization: string | undefined): Record<string, unknown> {
  const payload = (authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function pay(client: NodeBrowserClient, provider: FakeProvider, payment = PAYMENT): Promise<Response> {
  return client.fetch(`${provider.issuer}/api/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payment),
  });
}

describe('StepwiseBrowserClient, bound step-up in redirect mode', () => {
  let provider: FakeProvider;
  before(async () => {
    provider = await startFakeProvider();
  });
  after(() => provider.server.close());

  test('the challenge\'s details are pushed; the callback replays with the bound token and stores nothing', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await signInAs(provider, client, 'aal1');
    const tokensBefore = storage.getItem(TOKENS);
    const sessionToken = client.accessToken;

    const navigation = client.nextNavigation();
    void pay(client, provider);
    const url = await navigation;
    const pushed = provider.pushed.at(-1);
    assert.equal(pushed?.get('authorization_details'), JSON.stringify(paymentDetails(PAYMENT)));
    assert.equal(pushed?.get('acr_values'), 'aal2');
    assert.equal(pushed?.get('max_age'), '300');
    const saved = JSON.parse(storage.getItem('stepwise:bank-web:transaction') ?? '{}') as Record<string, unknown>;
    assert.equal(saved.bound, true);
    assert.ok(saved.pending);

    const result = await client.handleRedirectCallback(provider.authorize(url));
    assert.equal(result.resumed?.response.status, 200);
    assert.deepEqual(await result.resumed?.response.json(), {
      method: 'POST',
      path: '/api/payments',
      body: JSON.stringify(PAYMENT),
      acr: 'aal2',
      bound: true,
    });
    assert.equal('boundAccessToken' in result, false, 'the replay used it already');
    const replay = provider.apiRequests().at(-1);
    assert.deepEqual(claimsOf(replay?.headers.authorization).authorization_details, paymentDetails(PAYMENT));

    assert.equal(storage.getItem(TOKENS), tokensBefore, 'the session tokens are exactly as they were');
    assert.deepEqual(storage.keys(), [TOKENS]);
    assert.equal(client.accessToken, sessionToken);
    assert.equal(client.accessTokenClaims()?.acr, 'aal1');

    // The next call goes out with the session token, not the spent bound one.
    await client.fetch(`${provider.issuer}/api/accounts`);
    assert.equal(provider.apiRequests().at(-1)?.headers.authorization, `Bearer ${sessionToken}`);
  });

  test('reloading the callback of a bound step-up does not send the payment twice', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await signInAs(provider, client, 'aal1');
    const navigation = client.nextNavigation();
    void pay(client, provider);
    const callback = provider.authorize(await navigation);
    const payments = (): number => provider.apiRequests().filter((seen) => seen.path === '/api/payments').length;
    await client.handleRedirectCallback(callback);
    const after = payments();
    await assert.rejects(
      client.handleRedirectCallback(callback),
      (error: unknown) => error instanceof StepwiseClientError && error.code === 'ERR_CLIENT_STATE_MISMATCH',
    );
    assert.equal(payments(), after);
  });

  test('signIn({ authorizationDetails }) hands back the bound token, single use, and keeps the session', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await signInAs(provider, client, 'aal1');
    const tokensBefore = storage.getItem(TOKENS);

    await client.signIn({ acrValues: ['aal2'], maxAge: 300, authorizationDetails: paymentDetails(PAYMENT), returnTo: '/approved' });
    const result = await client.handleRedirectCallback(provider.authorize(client.navigations.at(-1) ?? ''));
    assert.equal(result.returnTo, '/approved');
    assert.equal(result.resumed, undefined);
    const bound = result.boundAccessToken ?? '';
    assert.deepEqual(claimsOf(bound).authorization_details, paymentDetails(PAYMENT));
    assert.equal(storage.getItem(TOKENS), tokensBefore);

    const send = (): Promise<Response> =>
      fetch(`${provider.issuer}/api/payments`, { method: 'POST', headers: { authorization: `Bearer ${bound}` }, body: JSON.stringify(PAYMENT) });
    assert.equal((await send()).status, 200);
    const replayed = await send();
    assert.equal(replayed.status, 401);
    assert.equal(((await replayed.json()) as { error: string }).error, 'ERR_TXN_REPLAYED');
  });

  test('an unbound step-up still stores its tokens', async () => {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
    await signInAs(provider, client, 'aal1');
    const navigation = client.nextNavigation();
    void client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
    const url = new URL(await navigation);
    assert.equal(url.searchParams.get('acr_values'), 'aal2', 'sent in the URL, not pushed');
    await client.handleRedirectCallback(provider.authorize(url.href));
    assert.equal(client.accessTokenClaims()?.acr, 'aal2');
  });
});

describe('isSignInTransaction', () => {
  const base = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/' };

  test('a record saved before `bound` existed is still read, as unbound', () => {
    assert.equal(isSignInTransaction(base), true);
    assert.equal(isSignInTransaction({ ...base, pending: { method: 'GET', url: 'http://a/', headers: [] } }), true);
  });

  test('bound must be a boolean', () => {
    assert.equal(isSignInTransaction({ ...base, bound: true }), true);
    assert.equal(isSignInTransaction({ ...base, bound: false }), true);
    assert.equal(isSignInTransaction({ ...base, bound: 'yes' }), false);
    assert.equal(isSignInTransaction({ ...base, bound: 1 }), false);
  });
});
