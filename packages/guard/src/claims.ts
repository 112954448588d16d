import type { AuthorizationDetail } from '@stepwise/core';
import type { JWTPayload } from 'jose';

/** The claims of a Stepwise access token (RFC 9068 plus OpenID Connect's acr, amr, auth_time). */
export interface AccessTokenClaims extends JWTPayload {
  readonly sub: string;
  readonly exp: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly auth_time?: number;
  readonly client_id?: string;
  readonly scope?: string;
  /** RFC 9396: the transaction the user approved, when the token is bound to one. */
  readonly authorization_details?: AuthorizationDetail[];
  /** `transactionHash(authorization_details)`, when bound. */
  readonly txn?: string;
}

/** What reaches a handler once the guard has let a request through. */
export interface VerifiedAuth {
  /** The bearer token as sent. */
  readonly token: string;
  /** `sub`: the user. */
  readonly subject: string;
  /** The client the token was issued to, when present. */
  readonly clientId: string | undefined;
  /** `scope`, split. */
  readonly scopes: readonly string[];
  /** Assurance level reached at sign-in or step-up. */
  readonly acr: string | undefined;
  /** Methods used (RFC 8176). */
  readonly amr: readonly string[];
  /** Epoch seconds of the latest authentication that counted. */
  readonly authTime: number | undefined;
  /** The transaction the user approved (`authorization_details`), when the token is bound; log it with the action. */
  readonly authorizationDetails?: AuthorizationDetail[];
  /** The hash binding the token to {@link VerifiedAuth.authorizationDetails}. */
  readonly txn?: string;
  /** Every verified claim. */
  readonly claims: AccessTokenClaims;
}

function isDetailList(value: unknown): boolean {
  return Array.isArray(value) && value.every((detail: unknown) =>
    typeof detail === 'object' && detail !== null && !Array.isArray(detail) && typeof (detail as { type?: unknown }).type === 'string');
}

/**
 * Whether acr, amr, auth_time and the binding claims have the types the
 * checks need; a token that lies about their types is refused rather than
 * coerced.
 *
 * @param payload - verified JWT payload
 */
export function hasAssuranceClaimTypes(payload: JWTPayload): payload is AccessTokenClaims {
  const { acr, amr, auth_time: authTime, sub, scope, authorization_details: details, txn } = payload as Record<string, unknown>;
  return (
    typeof sub === 'string' &&
    (acr === undefined || typeof acr === 'string') &&
    (amr === undefined || (Array.isArray(amr) && amr.every((value) => typeof value === 'string'))) &&
    (authTime === undefined || (typeof authTime === 'number' && Number.isFinite(authTime))) &&
    (scope === undefined || typeof scope === 'string') &&
    (details === undefined || isDetailList(details)) &&
    (txn === undefined || typeof txn === 'string')
  );
}

/**
 * The handler's view of verified claims.
 *
 * @param token - the bearer token
 * @param claims - its verified claims
 */
export function toVerifiedAuth(token: string, claims: AccessTokenClaims): VerifiedAuth {
  return {
    token,
    subject: claims.sub,
    clientId: claims.client_id,
    scopes: claims.scope ? claims.scope.split(' ').filter(Boolean) : [],
    acr: claims.acr,
    amr: claims.amr ?? [],
    authTime: claims.auth_time,
    ...(claims.authorization_details !== undefined ? { authorizationDetails: claims.authorization_details } : {}),
    ...(claims.txn !== undefined ? { txn: claims.txn } : {}),
    claims,
  };
}
