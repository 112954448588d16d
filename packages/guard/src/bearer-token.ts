import { InvalidTokenError, MissingTokenError } from './errors.js';

// RFC 6750 section 2.1: b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer …` header. Only the header is read:
 * tokens in query strings leak into logs (RFC 6750 section 5.3).
 *
 * @param authorization - the header value
 * @throws {@link MissingTokenError} when there is no Bearer credential
 * @throws {@link InvalidTokenError} when the credential is not a b64token
 * @example
 * ```ts
 * bearerToken('Bearer eyJhbGciOi…'); // 'eyJhbGciOi…'
 * ```
 */
export function bearerToken(authorization: string | null | undefined): string {
  if (!authorization) throw new MissingTokenError();
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw new MissingTokenError();
  const token = space === -1 ? '' : authorization.slice(space + 1).trim();
  if (!B64TOKEN.test(token)) throw new InvalidTokenError('malformed', 'The Authorization header does not hold a bearer token');
  return token;
}
