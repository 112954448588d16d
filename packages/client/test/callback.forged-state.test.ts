// Threat: login CSRF / session swapping. The attacker starts a sign-in with
// their own account, keeps the callback URL (their code and state), and
// makes the victim's browser load it, hoping the app stores the attacker's
// tokens so the victim's actions land in the attacker's account. The
// callback must be refused unless its state is the one this tab sent, store
// nothing, and leave the victim's own sign-in in progress intact.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

const stateMismatch = (error: unknown): boolean => error instanceof StepwiseClientError && error.code === 'ERR_CLIENT_STATE_MISMATCH';

test('a callback with another sign-in\'s state is refused and stores nothing', async () => {
  const attacker = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await attacker.signIn();
  const attackerCallback = provider.authorize(attacker.navigations[0] ?? '', { acr: 'aal2' });

  const storage = new MemoryStorage();
  const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource, { storage }));
  await victim.signIn();
  const tokenRequestsBefore = provider.server.seen.filter((seen) => seen.path === '/token').length;

  await assert.rejects(victim.handleRedirectCallback(attackerCallback), stateMismatch);
  assert.equal(victim.isSignedIn(), false);
  assert.equal(provider.server.seen.filter((seen) => seen.path === '/token').length, tokenRequestsBefore, 'the code was never exchanged');

  // The victim's real answer still completes.
  await victim.handleRedirectCallback(provider.authorize(victim.navigations[0] ?? ''));
  assert.equal(victim.isSignedIn(), true);
});

test('a callback when no sign-in was started is refused', async () => {
  const attacker = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await attacker.signIn();
  const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await assert.rejects(victim.handleRedirectCallback(provider.authorize(attacker.navigations[0] ?? '')), stateMismatch);
  assert.equal(victim.isSignedIn(), false);
});

test('a callback without state is refused', async () => {
  const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await victim.signIn();
  const callback = new URL(provider.authorize(victim.navigations[0] ?? ''));
  callback.searchParams.delete('state');
  await assert.rejects(victim.handleRedirectCallback(callback.href), stateMismatch);
  assert.equal(victim.isSignedIn(), false);
});

test('a forged error response cannot be shown to the user without the right state', async () => {
  const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await victim.signIn();
  const forged = 'http://127.0.0.1:1/callback.html?error=access_denied&error_description=Call%20%2B1-555-0100%20to%20unlock&state=guess';
  await assert.rejects(victim.handleRedirectCallback(forged), stateMismatch);
});
