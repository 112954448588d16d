import type { AssuranceRequest } from '@stepwise/core';
import { isBoundRequest } from './bound-details.js';

/** The OpenID Connect parameters that ask for assurance. */
export interface AssuranceParams {
  readonly acr_values?: unknown;
  readonly claims?: unknown;
  readonly max_age?: unknown;
  readonly prompt?: unknown;
  /** RFC 9396 details: a request bound to a transaction asks for a factor given now. */
  readonly authorization_details?: unknown;
}

interface AcrClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown;
}

function acrClaim(claims: unknown): AcrClaimRequest | undefined {
  let parsed = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const idToken = (parsed as { id_token?: { acr?: unknown } }).id_token;
  const acr = idToken?.acr;
  return typeof acr === 'object' && acr !== null ? (acr as AcrClaimRequest) : undefined;
}

/** A request's assurance, and whether the levels were essential. */
export interface RequestedAssurance extends AssuranceRequest {
  /** The levels came from an essential `acr` claim: unmet means an error, not a lower level. */
  readonly essential: boolean;
}

/**
 * Reads `acr_values`, an `acr` request in the `claims` parameter,
 * `max_age` and `prompt=login` (a fresh factor now, like `max_age=0`)
 * from authorization request parameters. An essential `acr` claim
 * wins over `acr_values` (OpenID Connect Core 5.5.1.1). A request with
 * `authorization_details` is read as `max_age=0` too: the user approves
 * that one transaction with a factor given on the page that shows it
 * (PSD2 RTS article 5). A password still counts within the level's
 * lifetime, so aal2 after a password sign-in asks only the second factor.
 *
 * @param params - the authorization request's parameters
 * @example
 * ```ts
 * requestedAssurance({ acr_values: 'aal2 aal1', max_age: '300' })
 * // { acceptable: ['aal2', 'aal1'], maxAge: 300, essential: false }
 * ```
 */
export function requestedAssurance(params: AssuranceParams): RequestedAssurance {
  const maxAgeText = params.max_age === undefined ? undefined : String(params.max_age);
  const parsedMaxAge = maxAgeText !== undefined && /^\d{1,10}$/.test(maxAgeText) ? Number(maxAgeText) : undefined;
  // oidc-provider rewrites max_age=0 into prompt=login; both mean "authenticate again now".
  const promptLogin = typeof params.prompt === 'string' && params.prompt.split(' ').includes('login');
  const maxAge = promptLogin || isBoundRequest(params) ? 0 : parsedMaxAge;

  const claim = acrClaim(params.claims);
  const claimValues = [
    ...(typeof claim?.value === 'string' ? [claim.value] : []),
    ...(Array.isArray(claim?.values) ? claim.values.filter((v): v is string => typeof v === 'string') : []),
  ];
  if (claim?.essential === true && claimValues.length > 0) {
    return { acceptable: claimValues, maxAge, essential: true };
  }
  const acrValues = typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
  return { acceptable: acrValues.length > 0 ? acrValues : claimValues, maxAge, essential: false };
}

/**
 * The instant at which a request is judged. OpenID Connect means
 * `max_age=0` as "authenticate again now", so it is judged one second
 * later: an event from an earlier step of the same second never meets it.
 * Right after the user answered a factor, `justAuthenticatedAt` is used
 * as is.
 *
 * @param requested - the request's assurance
 * @param now - the current time, in seconds
 * @param justAuthenticatedAt - when the factor the user just entered was verified
 */
export function judgementTime(requested: RequestedAssurance, now: number, justAuthenticatedAt?: number): number {
  if (justAuthenticatedAt !== undefined) return justAuthenticatedAt;
  return requested.maxAge === 0 ? now + 1 : now;
}
