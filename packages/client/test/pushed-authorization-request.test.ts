import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { discoverProvider, PushedAuthorizationError, StepwiseClientError } from '../src/index.js';
import { paymentDetails, startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { sendJson, startServer } from './helpers/http-server.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient, NodeBrowserClient } from './helpers/node-browser-client.js';
import { signInAs } from './helpers/sign-in.js';

const PAYMENT = { amount: '5000.00', currency: 'EUR', payee: 'ACME Ltd' };
const DETAILS = paymentDetails(PAYMENT);

function hasCode(code: string) {
  return (error: unknown): boolean => error instanceof StepwiseClientError && error.code === code;
}

function savedTransaction(storage: MemoryStorage): Record<string, unknown> {
  return JSON.parse(storage.getItem('stepwise:bank-web:transaction') ?? '{}') as Record<string, unknown>;
}

describe('pushed authorization requests (RFC 9126) for bound approvals', () => {
  let provider: FakeProvider;
  before(async () => {
    provider = await startFakeProvider();
  });
  after(() => provider.server.close());

  test('the PAR body holds every authorization parameter and the details as JSON text', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await client.signIn({ acrValues: ['aal2', 'aal3'], maxAge: 300, loginHint: 'alice', authorizationDetails: DETAILS });

    const request = provider.server.seen.filter((seen) => seen.path === '/par').at(-1);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    const pushed = provider.pushed.at(-1) ?? new URLSearchParams();
    const transaction = savedTransaction(storage);
    assert.deepEqual(
      [...pushed],
      [
        ['response_type', 'code'],
        ['client_id', 'bank-web'],
        ['redirect_uri', 'http://127.0.0.1:1/callback.html'],
        ['scope', 'openid profile'],
        ['state', transaction.state],
        ['nonce', transaction.nonce],
        ['code_challenge', createHash('sha256').update(String(transaction.codeVerifier)).digest('base64url')],
        ['code_challenge_method', 'S256'],
        ['resource', provider.resource],
        ['acr_values', 'aal2 aal3'],
        ['max_age', '300'],
        ['login_hint', 'alice'],
        ['authorization_details', JSON.stringify(DETAILS)],
      ],
    );
    assert.equal(transaction.bound, true);
  });

  test('the authorization URL then carries client_id and request_uri only', async () => {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
    await client.signIn({ acrValues: ['aal2'], authorizationDetails: DETAILS });
    const url = new URL(client.navigations[0] ?? '');
    assert.equal(url.origin + url.pathname, `${provider.issuer}/auth`);
    assert.deepEqual([...url.searchParams.keys()], ['client_id', 'request_uri']);
    assert.equal(url.searchParams.get('client_id'), 'bank-web');
    assert.match(url.searchParams.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
  });

  test('an unbound sign-in is not pushed, even when the provider offers PAR', async () => {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
    const pushedBefore = provider.pushed.length;
    await client.signIn({ acrValues: ['aal2'] });
    assert.equal(provider.pushed.length, pushedBefore);
    assert.equal(new URL(client.navigations[0] ?? '').searchParams.get('acr_values'), 'aal2');
  });

  describe('a refused or unusable PAR answer is ERR_CLIENT_PAR_FAILED, before navigating', () => {
    const failures: Array<{ name: string; status: number; body: string; contentType?: string; details: Record<string, unknown> }> = [
      {
        name: 'an OAuth error',
        status: 400,
        body: JSON.stringify({ error: 'invalid_authorization_details', error_description: 'amount must be a decimal string' }),
        details: { status: 400, error: 'invalid_authorization_details', error_description: 'amount must be a decimal string' },
      },
      { name: 'a 200 instead of 201', status: 200, body: JSON.stringify({ request_uri: 'urn:x', expires_in: 60 }), details: { status: 200 } },
      { name: 'an answer that is not JSON', status: 201, body: 'created', contentType: 'text/plain', details: { status: 201 } },
      { name: 'no request_uri', status: 201, body: JSON.stringify({ expires_in: 60 }), details: { status: 201 } },
      { name: 'no expires_in', status: 201, body: JSON.stringify({ request_uri: 'urn:x' }), details: { status: 201 } },
      { name: 'an HTML error page', status: 503, body: '<h1>down</h1>', contentType: 'text/html', details: { status: 503 } },
    ];
    for (const failure of failures) {
      test(failure.name, async (t) => {
        const storage = new MemoryStorage();
        const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
        provider.parFailure = failure;
        t.after(() => (provider.parFailure = undefined));
        await assert.rejects(client.signIn({ acrValues: ['aal2'], authorizationDetails: DETAILS }), (error: unknown) => {
          assert.ok(error instanceof PushedAuthorizationError);
          assert.equal(error.code, 'ERR_CLIENT_PAR_FAILED');
          assert.deepEqual(error.details, failure.details);
          assert.equal(error.status, failure.status);
          return true;
        });
        assert.deepEqual(client.navigations, []);
        assert.deepEqual(storage.keys(), [], 'no transaction is saved');
      });
    }

    test('an unreachable endpoint', async () => {
      const metadata = await discoverProvider(provider.issuer);
      const client = new NodeBrowserClient(clientOptions(provider.issuer, provider.resource), {
        ...metadata,
        pushed_authorization_request_endpoint: 'http://127.0.0.1:1/par',
      });
      await assert.rejects(client.signIn({ authorizationDetails: DETAILS }), (error: unknown) => {
        assert.ok(error instanceof PushedAuthorizationError);
        assert.deepEqual(error.details, {});
        assert.ok(error.cause);
        return true;
      });
      assert.deepEqual(client.navigations, []);
    });
  });

  test('a refused push during a bound step-up leaves the session and the page as they were', async (t) => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await signInAs(provider, client, 'aal1');
    const tokensBefore = storage.getItem('stepwise:bank-web:tokens');
    provider.parFailure = { status: 400, body: JSON.stringify({ error: 'invalid_request' }) };
    t.after(() => (provider.parFailure = undefined));
    await assert.rejects(
      client.fetch(`${provider.issuer}/api/payments`, { method: 'POST', body: JSON.stringify(PAYMENT), headers: { 'content-type': 'application/json' } }),
      hasCode('ERR_CLIENT_PAR_FAILED'),
    );
    assert.equal(client.navigations.length, 1, 'only the first sign-in navigated');
    assert.deepEqual(storage.keys(), ['stepwise:bank-web:tokens']);
    assert.equal(storage.getItem('stepwise:bank-web:tokens'), tokensBefore);
  });
});

describe('a provider without a PAR endpoint', () => {
  let provider: FakeProvider;
  before(async () => {
    provider = await startFakeProvider({ par: false });
  });
  after(() => provider.server.close());

  test('signIn with details is ERR_CLIENT_PAR_UNSUPPORTED, before navigating', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await assert.rejects(client.signIn({ authorizationDetails: DETAILS }), hasCode('ERR_CLIENT_PAR_UNSUPPORTED'));
    assert.deepEqual(client.navigations, []);
    assert.deepEqual(storage.keys(), []);
  });

  test('a bound challenge is ERR_CLIENT_PAR_UNSUPPORTED: no navigation, no saved request, the tokens kept', async () => {
    const storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
    await signInAs(provider, client, 'aal2');
    const tokensBefore = storage.getItem('stepwise:bank-web:tokens');
    await assert.rejects(
      client.fetch(`${provider.issuer}/api/payments`, { method: 'POST', body: JSON.stringify(PAYMENT), headers: { 'content-type': 'application/json' } }),
      hasCode('ERR_CLIENT_PAR_UNSUPPORTED'),
    );
    assert.equal(client.navigations.length, 1);
    assert.deepEqual(storage.keys(), ['stepwise:bank-web:tokens']);
    assert.equal(storage.getItem('stepwise:bank-web:tokens'), tokensBefore);
  });

  test('the same in popup mode: no popup opens', async () => {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
    await signInAs(provider, client, 'aal1');
    await assert.rejects(
      client.fetch(`${provider.issuer}/api/payments`, { method: 'POST', body: JSON.stringify(PAYMENT), headers: { 'content-type': 'application/json' } }),
      hasCode('ERR_CLIENT_PAR_UNSUPPORTED'),
    );
    assert.deepEqual(client.popups, []);
  });

  test('unbound sign-ins work as before', async () => {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
    await signInAs(provider, client, 'aal2');
    assert.equal(client.accessTokenClaims()?.acr, 'aal2');
  });
});

test('discovery refuses a pushed_authorization_request_endpoint that is not a string', async (t) => {
  const server = await startServer((_request, response) =>
    sendJson(response, 200, {
      issuer: server.origin,
      authorization_endpoint: `${server.origin}/auth`,
      token_endpoint: `${server.origin}/token`,
      pushed_authorization_request_endpoint: true,
    }),
  );
  t.after(() => server.close());
  await assert.rejects(discoverProvider(server.origin), hasCode('ERR_CLIENT_DISCOVERY'));
});
