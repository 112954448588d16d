import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationDeniedError, createBrowserClient, StepwiseClientError, TokenExchangeError } from '../src/index.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';
import { settle, signInAs } from './helpers/sign-in.js';

function hasCode(code: string) {
  return (error: unknown): boolean => error instanceof StepwiseClientError && error.code === code;
}

describe('StepwiseBrowserClient, redirect mode, run in Node against a fake provider', () => {
  let provider: FakeProvider;
  before(async () => {
    provider = await startFakeProvider();
  });
  after(() => provider.server.close());

  describe('discovery', () => {
    test('createBrowserClient loads the metadata and constructs nothing browser-only', async () => {
      const client = await createBrowserClient(clientOptions(provider.issuer, provider.resource));
      assert.equal(client.isSignedIn(), false);
      assert.equal(client.accessToken, undefined);
    });

    test('metadata for another issuer is refused', async () => {
      await assert.rejects(
        createBrowserClient(clientOptions(`${provider.issuer}/`, provider.resource)),
        hasCode('ERR_CLIENT_DISCOVERY'),
      );
    });

    test('an unreachable or missing document is a discovery error', async () => {
      await assert.rejects(createBrowserClient(clientOptions(`${provider.issuer}/nowhere`, provider.resource)), hasCode('ERR_CLIENT_DISCOVERY'));
      await assert.rejects(createBrowserClient(clientOptions('http://127.0.0.1:1', provider.resource)), hasCode('ERR_CLIENT_DISCOVERY'));
    });
  });

  describe('signIn and handleRedirectCallback', () => {
    test('signIn navigates to the authorization endpoint with PKCE, state, nonce, resource and the asked assurance', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await client.signIn({ acrValues: ['aal2', 'aal3'], maxAge: 0, loginHint: 'alice', returnTo: '/after' });
      const url = new URL(client.navigations[0] ?? '');
      assert.equal(url.origin + url.pathname, `${provider.issuer}/auth`);
      const params = Object.fromEntries(url.searchParams);
      assert.equal(params.response_type, 'code');
      assert.equal(params.client_id, 'bank-web');
      assert.equal(params.redirect_uri, 'http://127.0.0.1:1/callback.html');
      assert.equal(params.scope, 'openid profile');
      assert.equal(params.code_challenge_method, 'S256');
      assert.match(params.code_challenge ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.match(params.state ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.match(params.nonce ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(params.state, params.nonce);
      assert.equal(params.resource, provider.resource);
      assert.equal(params.acr_values, 'aal2 aal3');
      assert.equal(params.max_age, '0');
      assert.equal(params.login_hint, 'alice');
    });

    test('signIn leaves out what was not asked for', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { scope: 'openid' }));
      await client.signIn();
      const params = new URL(client.navigations[0] ?? '').searchParams;
      assert.equal(params.get('scope'), 'openid');
      for (const absent of ['acr_values', 'max_age', 'login_hint']) assert.equal(params.has(absent), false, absent);
    });

    test('the callback exchanges the code, stores the tokens and returns where to go', async () => {
      const storage = new MemoryStorage();
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
      client.page = 'http://127.0.0.1:1/app/accounts';
      await client.signIn();
      const result = await client.handleRedirectCallback(provider.authorize(client.navigations[0] ?? '', { acr: 'aal1' }));
      assert.deepEqual(result, { returnTo: 'http://127.0.0.1:1/app/accounts' });
      assert.equal(client.isSignedIn(), true);
      assert.equal(client.idTokenClaims()?.sub, 'user-1');
      assert.equal(client.accessTokenClaims()?.acr, 'aal1');
      assert.equal(client.accessTokenClaims()?.aud, provider.resource);
      assert.deepEqual(storage.keys(), ['stepwise:bank-web:tokens']);
    });

    test('an OAuth error in the callback is an AuthorizationDeniedError and stores nothing', async () => {
      const storage = new MemoryStorage();
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
      await client.signIn();
      const callback = provider.authorize(client.navigations[0] ?? '', { error: 'access_denied' });
      await assert.rejects(client.handleRedirectCallback(callback), (error: unknown) => {
        assert.ok(error instanceof AuthorizationDeniedError);
        assert.equal(error.code, 'ERR_CLIENT_AUTHORIZATION_DENIED');
        assert.equal(error.oauthError, 'access_denied');
        assert.equal(error.description, 'the user said no (access_denied)');
        return true;
      });
      assert.equal(client.isSignedIn(), false);
      assert.deepEqual(storage.keys(), []);
    });

    test('a callback without code or error is refused', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await client.signIn();
      const state = new URL(client.navigations[0] ?? '').searchParams.get('state') ?? '';
      const callback = `http://127.0.0.1:1/callback.html?state=${state}&iss=${encodeURIComponent(provider.issuer)}`;
      await assert.rejects(client.handleRedirectCallback(callback), hasCode('ERR_CLIENT_CALLBACK_INVALID'));
    });

    test('a refused code is a TokenExchangeError carrying the OAuth error', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await client.signIn();
      const callback = new URL(provider.authorize(client.navigations[0] ?? ''));
      callback.searchParams.set('code', 'not-a-code');
      await assert.rejects(client.handleRedirectCallback(callback.href), (error: unknown) => {
        assert.ok(error instanceof TokenExchangeError);
        assert.equal(error.code, 'ERR_CLIENT_TOKEN_EXCHANGE');
        assert.equal(error.status, 400);
        assert.equal(error.oauthError, 'invalid_grant');
        return true;
      });
      assert.equal(client.isSignedIn(), false);
    });

    test('an expired access token is not used', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await signInAs(provider, client);
      assert.equal(client.isSignedIn(), true);
      Object.defineProperty(client, 'now', { value: () => Date.now() + 600_000 });
      assert.equal(client.isSignedIn(), false);
      assert.equal(client.accessToken, undefined);
      assert.equal(client.idTokenClaims()?.sub, 'user-1');
    });
  });

  describe('fetch', () => {
    test('a step-up challenge saves the request and redirects with the challenge\'s acr_values and max_age', async () => {
      const storage = new MemoryStorage();
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
      await signInAs(provider, client, 'aal1');
      client.page = 'http://127.0.0.1:1/app/transfers';
      const navigation = client.nextNavigation();
      let settled = false;
      void client
        .fetch(`${provider.issuer}/api/transfers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":"10"}' })
        .finally(() => (settled = true));
      const url = new URL(await navigation);
      assert.equal(url.searchParams.get('acr_values'), 'aal2');
      assert.equal(url.searchParams.get('max_age'), '300');
      await settle();
      assert.equal(settled, false, 'the promise of a call that navigated away never settles');

      const result = await client.handleRedirectCallback(provider.authorize(url.href));
      assert.equal(result.returnTo, 'http://127.0.0.1:1/app/transfers');
      assert.equal(result.resumed?.method, 'POST');
      assert.equal(result.resumed?.url, `${provider.issuer}/api/transfers`);
      assert.equal(result.resumed?.response.status, 200);
      assert.deepEqual(await result.resumed?.response.json(), { method: 'POST', path: '/api/transfers', body: '{"amount":"10"}', acr: 'aal2' });
      assert.equal(client.accessTokenClaims()?.acr, 'aal2');
      assert.deepEqual(storage.keys(), ['stepwise:bank-web:tokens']);
    });

    test('with the level reached, fetch answers directly', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await signInAs(provider, client, 'aal2');
      const response = await client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'x=1' });
      assert.equal(response.status, 200);
      assert.equal(client.navigations.length, 1);
    });

    test('without a token, fetch signs in first and the request is sent after the callback', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      const navigation = client.nextNavigation();
      void client.fetch(`${provider.issuer}/api/accounts?page=2`, { headers: { 'x-trace': 't-1' } });
      const url = new URL(await navigation);
      assert.equal(url.searchParams.has('acr_values'), false);
      const before = provider.apiRequests().length;
      const result = await client.handleRedirectCallback(provider.authorize(url.href));
      assert.equal(result.resumed?.response.status, 200);
      const replay = provider.apiRequests().slice(before);
      assert.equal(replay.length, 1);
      assert.equal(replay[0]?.path, '/api/accounts?page=2');
      assert.equal(replay[0]?.headers['x-trace'], 't-1');
    });

    test('a 401 invalid_token drops the token and signs in again with the request saved', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await signInAs(provider, client, 'aal2');
      provider.revoked.add(client.accessToken ?? '');
      const navigation = client.nextNavigation();
      void client.fetch(`${provider.issuer}/api/accounts`, { method: 'DELETE' });
      const url = await navigation;
      assert.equal(client.isSignedIn(), false);
      const result = await client.handleRedirectCallback(provider.authorize(url, { acr: 'aal1' }));
      assert.equal(result.resumed?.method, 'DELETE');
      assert.equal(result.resumed?.response.status, 200);
    });

    test('a body that cannot be saved is refused before navigating', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      await signInAs(provider, client, 'aal1');
      const form = new FormData();
      form.set('file', new Blob(['%PDF-1.7']), 'statement.pdf');
      const bodies: BodyInit[] = [form, new Blob([new Uint8Array([1, 2, 3])]), new Uint8Array([1, 2, 3])];
      for (const body of bodies) {
        await assert.rejects(client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body }), hasCode('ERR_CLIENT_BODY_NOT_REPLAYABLE'));
      }
      assert.equal(client.navigations.length, 1, 'only the first sign-in navigated');
    });

    test('string, URLSearchParams and JSON bodies are kept across the redirect', async () => {
      const bodies: Array<{ body: BodyInit; type?: string; sent: string }> = [
        { body: 'plain text', sent: 'plain text' },
        { body: new URLSearchParams({ to: 'alice', amount: '1 000' }), sent: 'to=alice&amount=1+000' },
        { body: '{"a":[1,2]}', type: 'application/merge-patch+json', sent: '{"a":[1,2]}' },
      ];
      for (const { body, type, sent } of bodies) {
        const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
        await signInAs(provider, client, 'aal1');
        const navigation = client.nextNavigation();
        void client.fetch(`${provider.issuer}/api/transfers`, { method: 'PATCH', body, ...(type ? { headers: { 'content-type': type } } : {}) });
        const result = await client.handleRedirectCallback(provider.authorize(await navigation));
        assert.deepEqual(((await result.resumed?.response.json()) as { body: string }).body, sent);
      }
    });
  });

  describe('signOut', () => {
    test('clears only the client\'s keys and goes to the end-session endpoint', async () => {
      const storage = new MemoryStorage();
      storage.setItem('other-app', 'kept');
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
      await signInAs(provider, client);
      const idToken = JSON.parse(storage.getItem('stepwise:bank-web:tokens') ?? '{}').idToken as string;
      client.signOut();
      assert.deepEqual(storage.keys(), ['other-app']);
      const url = new URL(client.navigations.at(-1) ?? '');
      assert.equal(url.origin + url.pathname, `${provider.issuer}/session/end`);
      assert.equal(url.searchParams.get('id_token_hint'), idToken);
      assert.equal(url.searchParams.get('client_id'), 'bank-web');
      assert.equal(url.searchParams.get('post_logout_redirect_uri'), 'http://127.0.0.1:1/');
      assert.equal(client.isSignedIn(), false);
    });

    test('takes another post-logout URI', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
      client.signOut('http://127.0.0.1:1/goodbye');
      const url = new URL(client.navigations.at(-1) ?? '');
      assert.equal(url.searchParams.get('post_logout_redirect_uri'), 'http://127.0.0.1:1/goodbye');
      assert.equal(url.searchParams.has('id_token_hint'), false);
    });
  });
});
