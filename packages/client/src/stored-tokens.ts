import { decodeJwtPayload } from './jwt-claims.js';
import type { TokenResponse } from './token-exchange.js';

/** The tokens the browser client keeps between page loads. */
export interface StoredTokens {
  readonly accessToken: string;
  /** Epoch milliseconds after which the access token is not used; absent when unknown. */
  readonly expiresAt?: number;
  readonly idToken?: string;
  readonly refreshToken?: string;
}

// A token this close to its expiry is treated as expired, so that it does
// not run out between being read and reaching the API.
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Shape check for a stored record, which anything on the origin can write.
 *
 * @param value - a parsed storage record
 * @example
 * ```ts
 * store.read('tokens', isStoredTokens);
 * ```
 */
export function isStoredTokens(value: unknown): value is StoredTokens {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.accessToken === 'string' &&
    (record.expiresAt === undefined || typeof record.expiresAt === 'number') &&
    (record.idToken === undefined || typeof record.idToken === 'string') &&
    (record.refreshToken === undefined || typeof record.refreshToken === 'string')
  );
}

/**
 * Turns a token response into the stored record. The expiry comes from
 * `expires_in`; when the server leaves it out, from the access token's own
 * `exp` if it is a JWT.
 *
 * @param tokens - the token response
 * @param now - epoch milliseconds when the response arrived
 * @example
 * ```ts
 * store.write('tokens', toStoredTokens(tokens, Date.now()));
 * ```
 */
export function toStoredTokens(tokens: TokenResponse, now: number): StoredTokens {
  const exp = decodeJwtPayload(tokens.accessToken)?.exp;
  const expiresAt =
    tokens.expiresIn !== undefined ? now + tokens.expiresIn * 1000 : typeof exp === 'number' ? exp * 1000 : undefined;
  return {
    accessToken: tokens.accessToken,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(tokens.idToken === undefined ? {} : { idToken: tokens.idToken }),
    ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
  };
}

/**
 * True when the access token is still usable at `now`, with a small margin.
 *
 * @param tokens - the stored tokens
 * @param now - epoch milliseconds
 * @example
 * ```ts
 * if (!isUnexpired(tokens, Date.now())) await client.signIn();
 * ```
 */
export function isUnexpired(tokens: StoredTokens, now: number): boolean {
  return tokens.expiresAt === undefined || now < tokens.expiresAt - EXPIRY_MARGIN_MS;
}
