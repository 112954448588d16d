// Threat: authorization code injection. The attacker obtains a valid code
// issued for another sign-in (their own, or one stolen from another tab or
// log) and pastes it into a callback carrying the victim's state, so that
// state alone does not catch it. The ID token returned for that code carries
// the other sign-in's nonce, so the client must refuse it and store nothing.
// (PKCE stops the same attack at the token endpoint; the nonce check is the
// client-side layer that does not depend on the server enforcing PKCE.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IdTokenClaimError } from '../src/index.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

test('an ID token with another sign-in\'s nonce is refused and nothing is stored', async () => {
  const storage = new MemoryStorage();
  const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
  await victim.signIn();
  const callback = provider.authorize(victim.navigations[0] ?? '', { nonce: 'nonce-of-the-attackers-sign-in' });
  await assert.rejects(victim.handleRedirectCallback(callback), (error: unknown) => {
    assert.ok(error instanceof IdTokenClaimError);
    assert.equal(error.code, 'ERR_CLIENT_ID_TOKEN_INVALID');
    assert.equal(error.claim, 'nonce');
    return true;
  });
  assert.equal(victim.isSignedIn(), false);
  assert.deepEqual(storage.keys(), [], 'neither tokens nor the used transaction are kept');
});
