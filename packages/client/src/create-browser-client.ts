import type { BrowserClientOptions } from './browser-client-options.js';
import { StepwiseBrowserClient } from './browser-client.js';
import { discoverProvider } from './discovery.js';

/**
 * Loads the provider's discovery document once and returns a client for
 * this page.
 *
 * @param options - issuer, client, redirect URI and how step-up runs
 * @throws StepwiseClientError `ERR_CLIENT_DISCOVERY` when the metadata cannot be used
 * @example
 * ```ts
 * import { createBrowserClient } from '/sdk/index.js';
 * const client = await createBrowserClient({
 *   issuer: 'http://localhost:3000', clientId: 'bank-web',
 *   redirectUri: 'http://localhost:4000/callback.html', resource: 'http://localhost:4000/api',
 * });
 * const response = await client.fetch('/api/transfers', { method: 'POST', body: JSON.stringify(transfer),
 *   headers: { 'content-type': 'application/json' } });
 * ```
 */
export async function createBrowserClient(options: BrowserClientOptions): Promise<StepwiseBrowserClient> {
  const metadata = await discoverProvider(options.issuer, options.fetch);
  return new StepwiseBrowserClient(options, metadata);
}
