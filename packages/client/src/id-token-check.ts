import { IdTokenClaimError } from './errors.js';
import { decodeJwtPayload } from './jwt-claims.js';

/** What an ID token must match to belong to this sign-in. */
export interface IdTokenExpectation {
  readonly issuer: string;
  readonly clientId: string;
  /** The `nonce` sent on the authorization request. */
  readonly nonce: string;
}

/**
 * Checks the claims that tie an ID token to this sign-in: `iss`, `aud` and
 * `nonce`. The signature is not checked: the token came straight from the
 * token endpoint over TLS, which OpenID Connect Core §3.1.3.7 accepts in
 * place of it; the `nonce` check still catches a code injected from another
 * sign-in.
 *
 * @param idToken - the `id_token` of the token response
 * @param expected - issuer, client and nonce of the request
 * @returns the decoded claims
 * @throws IdTokenClaimError `ERR_CLIENT_ID_TOKEN_INVALID`, naming the claim
 * @example
 * ```ts
 * const claims = checkIdToken(tokens.idToken, { issuer, clientId, nonce: transaction.nonce });
 * ```
 */
export function checkIdToken(idToken: string, expected: IdTokenExpectation): Record<string, unknown> {
  const claims = decodeJwtPayload(idToken);
  if (claims === undefined) throw new IdTokenClaimError('payload');
  if (claims.iss !== expected.issuer) throw new IdTokenClaimError('iss');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId)) throw new IdTokenClaimError('aud');
  if (claims.nonce !== expected.nonce) throw new IdTokenClaimError('nonce');
  return claims;
}
