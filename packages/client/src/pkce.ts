import { encodeBase64Url } from './base64url.js';

/** A PKCE code verifier and its S256 challenge (RFC 7636). */
export interface PkcePair {
  /** Sent only to the token endpoint; 43 base64url characters. */
  readonly verifier: string;
  /** `base64url(SHA-256(verifier))`, sent on the authorization request. */
  readonly challenge: string;
  readonly method: 'S256';
}

/**
 * Returns `bytes` random bytes from the platform CSPRNG, base64url-encoded:
 * for `state`, `nonce` and PKCE verifiers.
 *
 * @param bytes - how many random bytes; 32 (256 bits) by default, 1 to 1024
 * @throws RangeError when `bytes` is not an integer from 1 to 1024
 * @example
 * ```ts
 * const state = randomToken(); // 43 characters
 * ```
 */
export function randomToken(bytes = 32): string {
  // 1024 keeps under getRandomValues' 65,536-byte limit with room to spare.
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw new RangeError(`randomToken: bytes must be an integer from 1 to 1024, got ${bytes}`);
  }
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * Creates a PKCE pair with the S256 method. The verifier has 256 bits of
 * entropy, which encodes to 43 characters, the RFC 7636 minimum.
 *
 * @example
 * ```ts
 * const pkce = await createPkcePair();
 * url.searchParams.set('code_challenge', pkce.challenge);
 * url.searchParams.set('code_challenge_method', pkce.method);
 * ```
 */
export async function createPkcePair(): Promise<PkcePair> {
  const verifier = randomToken(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: encodeBase64Url(new Uint8Array(digest)), method: 'S256' };
}
