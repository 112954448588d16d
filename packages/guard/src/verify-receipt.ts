import type { AuthorizationDetail } from '@stepwise/core';
import type { AccessTokenClaims, VerifiedAuth } from './claims.js';
import { toVerifiedAuth } from './claims.js';
import { InvalidTokenError } from './errors.js';

/** `typ` of the step-up receipts the decision API issues. */
export const RECEIPT_TYPE = 'stepwise-receipt+jwt';

/** What a receipt must have been issued for. */
export interface ReceiptExpectation {
  /** The API key's name the receipt was issued to (its `aud`). */
  readonly audience: string;
  /** The action the app is about to perform: must equal the receipt's `action`. */
  readonly action?: string;
  /** The decision the app asked for: must equal the receipt's `decision_id`. */
  readonly decisionId?: string;
  /** The user: must equal the receipt's `sub`. */
  readonly subject?: string;
  /**
   * The transaction the app is about to perform: the receipt must be bound
   * to exactly these details (its `txn`), approved within 300 s, and is
   * then accepted once.
   */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

/** A verified step-up receipt. */
export interface VerifiedReceipt extends VerifiedAuth {
  readonly decisionId: string;
  readonly action: string;
  readonly challengeId: string | undefined;
  /** Unique per receipt: remember it to accept a receipt once. */
  readonly jti: string;
}

interface ReceiptClaims extends AccessTokenClaims {
  readonly decision_id?: unknown;
  readonly action?: unknown;
  readonly challenge_id?: unknown;
}

/**
 * Checks a verified receipt's own claims against what the app expects.
 *
 * @param token - the receipt
 * @param claims - its verified claims
 * @param expected - action, decision and subject the app expects
 * @throws {@link InvalidTokenError} with reason `receipt` or `claims`
 * @example
 * ```ts
 * const verified = checkReceipt(receipt, claims, { audience: 'bank-backend', action: 'transfer.create' });
 * ```
 */
export function checkReceipt(token: string, claims: ReceiptClaims, expected: ReceiptExpectation): VerifiedReceipt {
  const { decision_id: decisionId, action, challenge_id: challengeId, jti } = claims;
  if (typeof decisionId !== 'string' || typeof action !== 'string' || typeof jti !== 'string') {
    throw new InvalidTokenError('claims', 'The step-up receipt lacks decision_id, action or jti');
  }
  if ((expected.action !== undefined && action !== expected.action)
    || (expected.decisionId !== undefined && decisionId !== expected.decisionId)
    || (expected.subject !== undefined && claims.sub !== expected.subject)) {
    throw new InvalidTokenError('receipt', 'The step-up receipt was issued for another decision, action or user');
  }
  return { ...toVerifiedAuth(token, claims), decisionId, action, challengeId: typeof challengeId === 'string' ? challengeId : undefined, jti };
}
