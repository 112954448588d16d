import { AuthorizationDetailsError } from '@stepwise/core';

/** Authorization request parameters that may carry RFC 9396 details. */
export interface DetailParams {
  readonly authorization_details?: unknown;
}

/**
 * Whether an authorization request is bound to a transaction: it carries
 * `authorization_details` (oidc-provider drops an empty array before we
 * see it). Anything present counts, so a value we could not read is
 * treated as bound, never as an ordinary sign-in.
 *
 * @param params - the request's parameters
 * @example
 * ```ts
 * isBoundRequest({ authorization_details: '[{"type":"payment_initiation",…}]' }); // true
 * ```
 */
export function isBoundRequest(params: DetailParams | undefined): boolean {
  const raw = params?.authorization_details;
  return raw !== undefined && raw !== null && raw !== '';
}

/**
 * The request's `authorization_details` as parsed JSON: oidc-provider keeps
 * them as JSON text in its parameters, a request object may hold the array.
 *
 * @param params - the request's parameters
 * @returns the details, or `undefined` for an unbound request
 * @throws {@link AuthorizationDetailsError} when the value is not a JSON array
 * @example
 * ```ts
 * requestedDetails(ctx.oidc.params)?.[0]?.type; // 'payment_initiation'
 * ```
 */
export function requestedDetails(params: DetailParams | undefined): unknown[] | undefined {
  if (!isBoundRequest(params)) return undefined;
  const raw = params!.authorization_details;
  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new AuthorizationDetailsError('', 'must be a JSON array');
    }
  }
  if (!Array.isArray(parsed)) throw new AuthorizationDetailsError('', 'must be a JSON array');
  return parsed.length === 0 ? undefined : parsed;
}
