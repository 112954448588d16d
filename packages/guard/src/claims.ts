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
  /** Every verified claim. */
  readonly claims: AccessTokenClaims;
}

/**
 * Whether acr, amr and auth_time have the types the assurance checks need;
 * a token that lies about their types is refused rather than coerced.
 *
 * @param payload - verified JWT payload
 */
export function hasAssuranceClaimTypes(payload: JWTPayload): payload is AccessTokenClaims {
  const { acr, amr, auth_time: authTime, sub, scope } = payload as Record<string, unknown>;
  return (
    typeof sub === 'string' &&
    (acr === undefined || typeof acr === 'string') &&
    (amr === undefined || (Array.isArray(amr) && amr.every((value) => typeof value === 'string'))) &&
    (authTime === undefined || (typeof authTime === 'number' && Number.isFinite(authTime))) &&
    (scope === undefined || typeof scope === 'string')
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
    claims,
  };
}
