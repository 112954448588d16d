import {
  AuthorizationDetailsError,
  canonicalJson,
  checkAuthorizationDetails,
  transactionHash,
  type AuthorizationDetail as CheckedDetail,
  type DetailTypes,
} from '@stepwise/core';
import { errors, type AuthorizationDetail, type KoaContextWithOIDC, type RichAuthorizationRequestsConfiguration } from 'oidc-provider';
import { requestedDetails } from './bound-details.js';
import { restoreSessionGrant } from './transaction-grant.js';

/** Where details may arrive: pushed (RFC 9126), then used through their `request_uri`. */
const PUSHED = 'pushed_authorization_request';

/**
 * Checks a request's details against the configured types, as oidc-provider
 * asks for each detail. The whole array is checked every time, so messages
 * name the detail's index and the count limit applies.
 */
function validateDetails(types: DetailTypes) {
  return (ctx: KoaContextWithOIDC): void => {
    const { route, entities, params } = ctx.oidc;
    // Details in the authorization URL pass through the browser, where
    // anyone (or any extension) could change the amount or the payee.
    if (route === 'authorization' && !('PushedAuthorizationRequest' in entities)) {
      throw new errors.InvalidRequest(
        'authorization_details must be sent to the pushed authorization request endpoint (RFC 9126) and the authorization URL must carry only its request_uri',
      );
    }
    if (route !== 'authorization' && route !== PUSHED) {
      throw new errors.InvalidAuthorizationDetails(`authorization_details are fixed by the authorization request and are not accepted at the ${route} endpoint`);
    }
    try {
      // canonicalJson refuses what the txn hash could not be computed over (lone surrogates).
      canonicalJson(checkAuthorizationDetails(requestedDetails(params), types));
    } catch (error) {
      if (error instanceof AuthorizationDetailsError) throw new errors.InvalidAuthorizationDetails(error.message);
      throw error;
    }
  };
}

/**
 * The code gets exactly this request's details, once each was approved:
 * the Grant holds what the user approved on the page that showed them.
 */
function detailsForCode(ctx: KoaContextWithOIDC): AuthorizationDetail[] | undefined {
  const requested = requestedDetails(ctx.oidc.params) as AuthorizationDetail[] | undefined;
  if (!requested) return undefined;
  const approved = new Set((ctx.oidc.grant?.rar ?? []).map((detail) => canonicalJson(detail)));
  if (!requested.every((detail) => approved.has(canonicalJson(detail)))) {
    throw new errors.AccessDenied('the transaction was not approved by the user');
  }
  restoreSessionGrant(ctx);
  return requested;
}

/**
 * The `features.richAuthorizationRequests` of the provider: on when the
 * configuration names types. Each type's details are checked by
 * `checkAuthorizationDetails` and refused unless they were pushed; a code
 * carries only its own request's approved details; the access token from
 * that code carries them, and no other grant adds any.
 *
 * @param types - `authorization_details.types` of the configuration
 * @example
 * ```ts
 * features: { richAuthorizationRequests: richAuthorizationRequests(config.authorizationDetails.types) }
 * ```
 */
export function richAuthorizationRequests(types: DetailTypes): RichAuthorizationRequestsConfiguration {
  const names = Object.keys(types);
  if (names.length === 0) return { enabled: false };
  const validate = validateDetails(types);
  return {
    enabled: true,
    types: Object.fromEntries(names.map((name) => [name, { validate }])),
    authorizationDetailsForGrantSource: detailsForCode,
    // Only the code of the approval carries details; a refresh (never issued
    // for a bound grant) or any other grant gets none.
    authorizationDetailsForAccessToken: (_ctx, _token, source, grantType) => (grantType === 'authorization_code' ? source?.rar : undefined),
    authorizationDetailsForIntrospection: (_ctx, token) => token.rar,
  };
}

/**
 * The `txn` claim of a token that carries `authorization_details`: the
 * hash resource servers compare with the transaction they are about to
 * execute.
 *
 * @param rar - the token's details, if any
 * @example
 * ```ts
 * return { acr, amr, auth_time, ...transactionClaims(token.rar) };
 * ```
 */
export function transactionClaims(rar: readonly AuthorizationDetail[] | undefined): { txn?: string } {
  return rar && rar.length > 0 ? { txn: transactionHash(rar as readonly CheckedDetail[]) } : {};
}
