import type Provider from 'oidc-provider';
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type { LoadedSigningKey } from './signing-keys.js';

/**
 * Gives a running oidc-provider a new key set: it signs ID tokens and JWT
 * access tokens with the active key from its next token on, and `/jwks`
 * publishes every key. oidc-provider has no public way to do this; its own
 * initialiser runs again on the instance, with the checks it runs at
 * construction (the keys-rotation tests fail if an upgrade changes that).
 *
 * @param provider - the provider, built with an earlier key set
 * @param keys - from `loadSigningKeys`, the active key first
 * @example
 * ```ts
 * replaceProviderKeys(provider, await loadSigningKeys(db, box, now, grace));
 * ```
 */
export function replaceProviderKeys(provider: Provider, keys: readonly LoadedSigningKey[]): void {
  initializeKeystore.call(provider, { keys: keys.map((key) => key.jwk) });
}
