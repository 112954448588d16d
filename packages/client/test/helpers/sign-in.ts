import type { FakeProvider } from './fake-provider.js';
import type { NodeBrowserClient } from './node-browser-client.js';

/**
 * Runs a whole redirect sign-in: `signIn`, the provider, then the callback.
 *
 * @param provider - the fake provider
 * @param client - the Node test client
 * @param acr - the level the user reaches
 */
export async function signInAs(provider: FakeProvider, client: NodeBrowserClient, acr = 'aal1'): Promise<void> {
  await client.signIn();
  const authorizationUrl = client.navigations.at(-1);
  if (authorizationUrl === undefined) throw new Error('signIn did not navigate');
  await client.handleRedirectCallback(provider.authorize(authorizationUrl, { acr }));
}

/** Lets pending promise callbacks and I/O run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}
