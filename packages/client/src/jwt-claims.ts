import { decodeBase64Url } from './base64url.js';

/**
 * Decodes the payload of a compact JWS **without verifying it**. Use it
 * only for tokens that need no verification here: an ID token received
 * straight from the token endpoint over TLS (OpenID Connect Core §3.1.3.7),
 * or an access token shown for display (the API verifies it).
 *
 * @param jwt - a compact JWS, `header.payload.signature`
 * @returns the payload object, or undefined when it is not a JSON object
 * @example
 * ```ts
 * decodeJwtPayload(idToken)?.acr; // 'aal2'
 * ```
 */
export function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64Url(parts[1])));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
