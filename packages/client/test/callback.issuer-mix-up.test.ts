// Threat: mix-up attack (RFC 9207). The victim's browser is sent to the
// callback with a response that really comes from another (malicious)
// authorization server, hoping the client sends that code, and the PKCE
// verifier, to the honest server's token endpoint or accepts the attacker's
// tokens. The provider announces `iss` support, so a response whose `iss` is
// another issuer, or that lacks `iss`, is refused before any token request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

for (const [name, iss] of [
  ['another issuer', 'https://evil.example'],
  ['a missing iss', undefined],
] as const) {
  test(`a response with ${name} is refused before the code is exchanged`, async () => {
    const victim = await createNodeClient(clientOptions(provider.issuer, provider.resource));
    await victim.signIn();
    const callback = new URL(provider.authorize(victim.navigations[0] ?? ''));
    if (iss === undefined) callback.searchParams.delete('iss');
    else callback.searchParams.set('iss', iss);
    const tokenRequestsBefore = provider.server.seen.filter((seen) => seen.path === '/token').length;
    await assert.rejects(
      victim.handleRedirectCallback(callback.href),
      (error: unknown) => error instanceof StepwiseClientError && error.code === 'ERR_CLIENT_ISSUER_MISMATCH',
    );
    assert.equal(provider.server.seen.filter((seen) => seen.path === '/token').length, tokenRequestsBefore);
    assert.equal(victim.isSignedIn(), false);
  });
}
