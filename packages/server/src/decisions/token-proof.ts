import { SimpleError, type AuthenticationEvent, type ProvenAssurance } from '@stepwise/core';
import type { Services } from '../services.js';

/** `typ` of a step-up receipt. */
export const RECEIPT_TYPE = 'stepwise-receipt+jwt';

// Access tokens (RFC 9068), ID tokens (no typ or JWT) and our receipts.
const ACCEPTED_TYPES = new Set([undefined, 'JWT', 'at+jwt', RECEIPT_TYPE]);

function refused(reason: string, message: string): SimpleError {
  return new SimpleError('ERR_DECISION_TOKEN_INVALID', message, { field: 'token', reason });
}

/**
 * What a token proves about the subject: verified with Stepwise's own keys
 * (signature, issuer, expiry, type), issued to this subject, carrying
 * `acr`, `amr` and `auth_time`.
 *
 * @param services - shared services
 * @param token - the compact JWT
 * @param subject - the decision's subject
 * @throws `ERR_DECISION_TOKEN_INVALID` with a `reason`
 * @example
 * ```ts
 * const proof = await proofOfToken(services, body.token, body.subject); // { acr: 'aal1', amr: ['pwd'], authTime: 1764600000 }
 * ```
 */
export async function proofOfToken(services: Services, token: string, subject: string): Promise<ProvenAssurance> {
  let payload;
  let typ;
  try {
    ({ payload, typ } = await services.tokenKeys.verify(token, {
      issuer: services.config.issuer,
      clockTolerance: 5,
      currentDate: new Date(services.now() * 1000),
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw refused('expired', 'The token has expired');
    throw refused('invalid', 'The token is not signed by this server or is malformed');
  }
  if (!ACCEPTED_TYPES.has(typ)) throw refused('type', 'The token is not an ID token, access token or step-up receipt');
  if (payload.sub !== subject) throw refused('subject', 'The token was issued to another subject');
  const { acr, amr, auth_time: authTime } = payload as { acr?: unknown; amr?: unknown; auth_time?: unknown };
  if (typeof acr !== 'string' || !Array.isArray(amr) || !amr.every((value) => typeof value === 'string') || typeof authTime !== 'number') {
    throw refused('claims', 'The token lacks acr, amr or auth_time');
  }
  return { acr, amr: amr as string[], authTime };
}

/**
 * The events a proof stands for, so a step-up adds only the missing factor:
 * a password (`pwd`) and a passkey (`hwk`/`swk`, with `user`) can be told
 * from `amr`; codes (`otp`) cannot, and are left out.
 *
 * @param proof - what a token proves
 * @example
 * ```ts
 * eventsOfProof({ acr: 'aal1', amr: ['pwd'], authTime: 100 }) // [{ method: 'password', at: 100 }]
 * ```
 */
export function eventsOfProof(proof: ProvenAssurance | undefined): AuthenticationEvent[] {
  if (!proof?.amr || proof.authTime === undefined) return [];
  const events: AuthenticationEvent[] = [];
  const amr = new Set(proof.amr);
  if (amr.has('pwd')) events.push({ method: 'password', at: proof.authTime });
  if (amr.has('hwk') || amr.has('swk')) {
    events.push({ method: 'webauthn', at: proof.authTime, userVerified: amr.has('user'), backedUp: !amr.has('hwk') });
  }
  return events;
}
