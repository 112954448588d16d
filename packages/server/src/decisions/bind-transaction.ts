import {
  checkAuthorizationDetails,
  describeDetail,
  transactionHash,
  type AuthorizationDetail,
  type DetailDescription,
  type DetailTypes,
  type Requirement,
} from '@stepwise/core';

/** A decision bound to one transaction: the details as given and their hash. */
export interface BoundTransaction {
  /** The RFC 9396 `authorization_details`, exactly as the caller sent them. */
  readonly details: readonly AuthorizationDetail[];
  /** `transactionHash(details)`: the receipt's `txn` claim. */
  readonly txn: string;
}

/**
 * Binds a decision to the transaction its caller sent: the details must be
 * of the configured types with only their fields (the user is shown every
 * field), and canonicalisable (RFC 8785 refuses a lone surrogate, which
 * the field checks let through), so the hash is computed here, once, and
 * a malformed value is a 400 at the decision rather than a failure when
 * the receipt is signed.
 *
 * @param value - the request's `authorization_details`
 * @param types - the configured types (`config.authorizationDetails.types`)
 * @throws `AuthorizationDetailsError` (`ERR_AUTHORIZATION_DETAILS_INVALID`, detail `field`)
 * @example
 * ```ts
 * const { txn } = bindTransaction([{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }], types);
 * ```
 */
export function bindTransaction(value: unknown, types: DetailTypes): BoundTransaction {
  const details = checkAuthorizationDetails(value, types);
  return { details, txn: transactionHash(details) };
}

/**
 * The bound transaction in plain words, one entry per detail, for apps
 * that draw their own approval screen (`GET /v1/challenges/:id`).
 *
 * @param details - checked details
 * @param types - the configured types, for wording
 * @example
 * ```ts
 * describeTransaction(details, types)[0]?.summary; // 'Pay 5,000.00 EUR to ACME'
 * ```
 */
export function describeTransaction(details: readonly AuthorizationDetail[], types: DetailTypes): DetailDescription[] {
  return details.map((detail) => describeDetail(detail, types));
}

/**
 * What an answer to a challenge must meet. A bound challenge asks for a
 * factor given now (`max_age` 0, as the OIDC side does for a bound
 * request): the receipt says the user approved this transaction, so the
 * proof must come from the page or call that showed it, never from a
 * factor the session already held (a password still counts within its
 * level's lifetime, so aal2 after a password asks only the second factor).
 * The stored requirement, shown to apps, stays the decision's.
 *
 * @param challenge - its requirement and bound details
 * @example
 * ```ts
 * approvalRequirement({ requirement: { acr: 'aal2', maxAge: 300 }, authorizationDetails: details }); // { acr: 'aal2', maxAge: 0 }
 * ```
 */
export function approvalRequirement(challenge: { readonly requirement: Requirement; readonly authorizationDetails: readonly AuthorizationDetail[] | null }): Requirement {
  return challenge.authorizationDetails ? { ...challenge.requirement, maxAge: 0 } : challenge.requirement;
}
