// Threat: a duplicated money transfer. A transfer interrupted by a step-up
// is sent again by the callback page. If the user reloads that page, goes
// back to it, or an attacker makes the browser load the same callback URL
// again, the transfer must not be sent a second time: the saved request is
// deleted before it is replayed, and the used callback is refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';
import { signInAs } from './helpers/sign-in.js';

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

test('reloading the callback page does not send the transfer twice', async () => {
  const storage = new MemoryStorage();
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
  await signInAs(provider, client, 'aal1');
  const navigation = client.nextNavigation();
  void client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: '{"amount":"9000"}', headers: { 'content-type': 'application/json' } });
  const callback = provider.authorize(await navigation);

  const transfers = (): number => provider.apiRequests().filter((seen) => seen.path === '/api/transfers').length;
  assert.equal(transfers(), 1, 'the refused first attempt');
  const result = await client.handleRedirectCallback(callback);
  assert.equal(result.resumed?.response.status, 200);
  assert.equal(transfers(), 2, 'one replay');

  // A second page built on the same storage, as after a reload.
  const reloaded = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
  await assert.rejects(
    reloaded.handleRedirectCallback(callback),
    (error: unknown) => error instanceof StepwiseClientError && error.code === 'ERR_CLIENT_STATE_MISMATCH',
  );
  assert.equal(transfers(), 2, 'no second replay');
  assert.equal(reloaded.isSignedIn(), true, 'the tokens from the first load stay');
});

test('the saved request never holds the old bearer token', async () => {
  const storage = new MemoryStorage();
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
  await signInAs(provider, client, 'aal1');
  const oldToken = client.accessToken ?? '';
  const navigation = client.nextNavigation();
  void client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1', headers: { authorization: `Bearer ${oldToken}` } });
  await navigation;
  const transaction = storage.getItem('stepwise:bank-web:transaction') ?? '';
  assert.ok(transaction.includes('"pending"'));
  assert.equal(transaction.toLowerCase().includes('authorization'), false);
  assert.equal(transaction.includes(oldToken), false);
});
