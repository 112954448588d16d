import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { hasAssuranceClaimTypes, type AccessTokenClaims } from './claims.js';
import { GuardError, InvalidTokenError, IssuerUnavailableError, type InvalidTokenReason } from './errors.js';
import type { IssuerDirectory } from './issuer-directory.js';

/** RFC 9068 section 2.1: the `typ` of a JWT access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

const CLAIM_REASONS: Readonly<Record<string, InvalidTokenReason>> = { iss: 'issuer', aud: 'audience', nbf: 'not_yet_valid' };

const CLAIM_MESSAGES: Readonly<Record<InvalidTokenReason, string>> = {
  malformed: 'The access token is not a well-formed JWT',
  signature: 'The access token signature is invalid',
  algorithm: 'The access token is signed with an algorithm this API does not accept',
  type: `The token is not an access token (typ must be ${ACCESS_TOKEN_TYPE})`,
  unknown_key: 'The token is signed with a key the issuer does not publish',
  issuer: 'The access token was issued by another issuer',
  audience: 'The access token was not issued for this API',
  expired: 'The access token has expired',
  not_yet_valid: 'The access token is not valid yet',
  claims: 'The access token lacks a required claim or has one of the wrong type',
  receipt: 'The step-up receipt was issued for another decision, action or user',
};

/**
 * The guard's refusal for a jose failure. Messages never repeat the token.
 *
 * @param error - what jose threw
 */
function toGuardError(error: unknown): GuardError {
  if (error instanceof GuardError) return error;
  const invalid = (reason: InvalidTokenReason) => new InvalidTokenError(reason, CLAIM_MESSAGES[reason]);
  if (error instanceof errors.JWTExpired) return invalid('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ') return invalid('type');
    return invalid(CLAIM_REASONS[error.claim] ?? 'claims');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return invalid('algorithm');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return invalid('unknown_key');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return invalid('malformed');
  return new IssuerUnavailableError(error);
}

/** Checks the guard applies to every token, whatever the route. */
export interface TokenChecks {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  /** Fixed clock for tests, epoch seconds. */
  readonly now?: (() => number) | undefined;
  /** The JWT `typ` header required; default {@link ACCESS_TOKEN_TYPE}. */
  readonly typ?: string;
}

/** Verifies one compact JWT access token and returns its claims. */
export type TokenVerifier = (token: string) => Promise<AccessTokenClaims>;

/**
 * Builds the verifier of JWT access tokens: signature with the issuer's
 * published key, an allowed algorithm, `typ` at+jwt, `iss`, `aud`, `exp` and
 * `nbf` with the leeway, and `sub` and `exp` present. The options and the key
 * lookup are built once, not per request, and a token whose protected header
 * is that of one verified before goes to jose with that header's key.
 *
 * @param directory - the issuer's keys
 * @param checks - expected issuer, audience, algorithms and leeway
 * @returns a function that throws {@link InvalidTokenError} for any failed check and
 *   {@link IssuerUnavailableError} when keys cannot be fetched
 * @example
 * ```ts
 * const verify = createTokenVerifier(directory, { issuer, audience, algorithms: ['ES256'], clockToleranceSeconds: 5 });
 * const claims = await verify(token);
 * ```
 */
export function createTokenVerifier(directory: IssuerDirectory, checks: TokenChecks): TokenVerifier {
  const options: JWTVerifyOptions = {
    issuer: checks.issuer,
    audience: checks.audience as string | string[],
    algorithms: checks.algorithms as string[],
    typ: checks.typ ?? ACCESS_TOKEN_TYPE,
    clockTolerance: checks.clockToleranceSeconds,
    requiredClaims: ['sub', 'exp'],
  };
  const getKey = (header: { kid?: string; alg?: string }) => directory.keyFor(header);
  const now = checks.now;
  return async (token) => {
    const verifyOptions = now ? { ...options, currentDate: new Date(now() * 1000) } : options;
    // The issuer's tokens share their header: once one verified, its key is
    // handed to jose directly, sparing the lookup callback on every request.
    const dot = token.indexOf('.');
    const encodedHeader = dot === -1 ? token : token.slice(0, dot);
    const knownKey = directory.keyForVerifiedHeader(encodedHeader);
    let payload;
    try {
      if (knownKey) {
        ({ payload } = await jwtVerify(token, knownKey, verifyOptions));
      } else {
        const verified = await jwtVerify(token, getKey, verifyOptions);
        directory.rememberVerifiedHeader(encodedHeader, verified.protectedHeader, verified.key);
        payload = verified.payload;
      }
    } catch (error) {
      throw toGuardError(error);
    }
    if (!hasAssuranceClaimTypes(payload)) throw new InvalidTokenError('claims', CLAIM_MESSAGES.claims);
    return payload;
  };
}
