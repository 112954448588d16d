// Payments to bind tokens to, and how a client reads the transaction a
// refusal asks it to approve: the `authorization_details` auth-param of
// WWW-Authenticate (base64url of the JSON array) and the JSON body.
import assert from 'node:assert/strict';
import { transactionHash, type AuthorizationDetail } from '@stepwise/core';
import type { Refusal } from './verdict.js';

/** A transfer as the bank's API receives it. */
export interface Transfer {
  readonly amount: string;
  readonly currency?: string;
  readonly payee: string;
  readonly iban?: string;
  /** The account debited, from the path. */
  readonly from?: string;
}

/** The RFC 9396 `payment_initiation` detail of a transfer. */
export function payment(transfer: Transfer): AuthorizationDetail[] {
  return [{
    type: 'payment_initiation',
    instructedAmount: { currency: transfer.currency ?? 'EUR', amount: transfer.amount },
    creditorName: transfer.payee,
    ...(transfer.iban ? { creditorAccount: { iban: transfer.iban } } : {}),
    ...(transfer.from ? { debtorAccount: { iban: transfer.from } } : {}),
  }];
}

export const ACME_5000 = payment({ amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' });

/** One auth-param's value from a challenge, unquoted. */
export function challengeParam(challenge: string | null | undefined, name: string): string | undefined {
  const match = new RegExp(`(?:^Bearer |, )${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s,]+))`).exec(challenge ?? '');
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

/** The details a challenge asks for, decoded as the client SDK does. */
export function hintedDetails(challenge: string | null | undefined): unknown {
  const encoded = challengeParam(challenge, 'authorization_details');
  assert.ok(encoded, `the challenge carries authorization_details: ${challenge}`);
  assert.match(encoded, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
}

/**
 * Asserts a refusal asks for exactly these details, in header and body.
 *
 * @param refusal - what the guard answered
 * @param details - what the request performs
 */
export function assertHint(refusal: Refusal, details: readonly AuthorizationDetail[]): void {
  assert.equal(refusal.status, 401);
  assert.equal(challengeParam(refusal.challenge, 'error'), 'insufficient_user_authentication');
  assert.deepEqual(hintedDetails(refusal.challenge), details);
  assert.deepEqual(refusal.body.authorization_details, details);
  assert.equal(refusal.body.txn, transactionHash(details));
}

/** What a guard method threw, or a failure when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; reason?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; reason?: string };
  }
  return assert.fail('expected a refusal');
}
