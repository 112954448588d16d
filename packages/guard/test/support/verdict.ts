// Reads what the guard answered through its fetch-style adapter, the way a
// client sees it: status, WWW-Authenticate and the JSON body.
import assert from 'node:assert/strict';
import { createGuard, type FetchVerification, type GuardOptions, type StepwiseGuard, type VerifiedAuth } from '../../src/index.js';
import type { ManualClock } from './clock.js';
import { API_AUDIENCE, startIssuer, type TestIssuer } from './issuer.js';

/** RFC 9470 section 3's wording for a level that is too low. */
export const LEVEL_TOO_LOW = 'A different authentication level is required';
/** RFC 9470 section 3's wording for an authentication that is too old. */
export const TOO_OLD = 'More recent authentication is required';

/** A refusal as the client receives it. */
export interface Refusal {
  readonly status: number;
  /** `WWW-Authenticate`, or `null` when absent. */
  readonly challenge: string | null;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
  /** The body as sent, to check what it does not contain. */
  readonly text: string;
}

/** A guard for {@link API_AUDIENCE} in front of the test issuer. */
export function guardFor(issuer: TestIssuer, options: Partial<GuardOptions> = {}): StepwiseGuard {
  return createGuard({ issuer: issuer.url, audience: API_AUDIENCE, ...options });
}

/** A test issuer and a guard in front of it, both on the given clock. */
export async function startIssuerAndGuard(clock: ManualClock): Promise<{ issuer: TestIssuer; guard: StepwiseGuard }> {
  const issuer = await startIssuer({ now: clock.now });
  return { issuer, guard: guardFor(issuer, { now: clock.now }) };
}

/** A request to the API with this `Authorization` header, or none. */
export function requestWith(authorization?: string): Request {
  return new Request(`${API_AUDIENCE}/accounts`, { headers: authorization === undefined ? {} : { authorization } });
}

/** A request carrying the token as a bearer credential. */
export function bearer(token: string): Request {
  return requestWith(`Bearer ${token}`);
}

/** Asserts the guard refused, and reads the answer. */
export async function refusalOf(result: FetchVerification): Promise<Refusal> {
  if (result.ok) assert.fail(`expected a refusal, the guard let ${result.auth.subject} through`);
  const text = await result.response.text();
  return {
    status: result.response.status,
    challenge: result.response.headers.get('www-authenticate'),
    body: JSON.parse(text) as Record<string, unknown>,
    headers: result.response.headers,
    text,
  };
}

/** Asserts the guard let the request through. */
export async function acceptedAuth(result: FetchVerification): Promise<VerifiedAuth> {
  if (!result.ok) assert.fail(`expected the token to pass, got ${result.response.status} ${await result.response.text()}`);
  return result.auth;
}

/** `WWW-Authenticate` of an `invalid_token` refusal. */
export function invalidTokenChallenge(description: string): string {
  return `Bearer error="invalid_token", error_description="${description}"`;
}
