import { randomUUID } from 'node:crypto';
import { SimpleError, type AuthenticationEvent } from '@stepwise/core';
import { formatSecretForTyping, generateTotpSecret, totpQrSvg, totpSecretContext, totpUri } from '../factors/totp.js';
import type { Services } from '../services.js';
import {
  confirmFactor,
  createFactor,
  deleteUnconfirmedFactors,
  findFactor,
  listFactors,
  type Factor,
} from '../storage/factors.js';
import type { User } from '../storage/users.js';
import { verifyTotpCode } from './totp-verification.js';
import { recordFactorChange } from '../audit/events.js';

/** An unconfirmed authenticator app must be confirmed within this time. */
export const ENROLLMENT_TTL_SECONDS = 900;

/** What the enrollment page shows. */
export interface TotpEnrollment {
  readonly factorId: string;
  /** The `otpauth://` URI, also encoded in the QR code. */
  readonly uri: string;
  /** An SVG QR code of the URI. */
  readonly qrSvg: string;
  /** The key grouped for typing by hand. */
  readonly typedSecret: string;
}

async function describe(services: Services, user: User, factor: Factor): Promise<TotpEnrollment> {
  const secret = services.box.open(factor.secret!, totpSecretContext(factor.id));
  const issuer = new URL(services.config.issuer).host;
  const uri = totpUri({ secret, issuer: `Stepwise (${issuer})`, account: user.username });
  return { factorId: factor.id, uri, qrSvg: await totpQrSvg(uri), typedSecret: formatSecretForTyping(secret) };
}

function pendingIsLive(services: Services, factor: Factor | undefined, userId: string): factor is Factor {
  return (
    factor !== undefined &&
    factor.userId === userId &&
    factor.method === 'totp' &&
    factor.confirmedAt === null &&
    factor.secret !== null &&
    factor.createdAt + ENROLLMENT_TTL_SECONDS >= services.now()
  );
}

/**
 * Starts (or resumes) adding an authenticator app: a new secret, encrypted
 * at rest, bound to its factor id. Reloading the page shows the same secret
 * until it expires.
 *
 * @param services - shared services
 * @param user - the signed-in user
 * @throws `ERR_FACTOR_ALREADY_ENROLLED` when the user has an app already
 */
export async function startTotpEnrollment(services: Services, user: User): Promise<TotpEnrollment> {
  const factors = await listFactors(services.db, user.id);
  if (factors.some((factor) => factor.method === 'totp' && factor.confirmedAt !== null)) {
    throw new SimpleError('ERR_FACTOR_ALREADY_ENROLLED');
  }
  const pending = factors.find((factor) => pendingIsLive(services, factor, user.id));
  if (pending) return describe(services, user, pending);

  await deleteUnconfirmedFactors(services.db, user.id, 'totp');
  const id = randomUUID();
  const factor = await createFactor(services.db, {
    id,
    userId: user.id,
    method: 'totp',
    name: 'Authenticator app',
    secret: services.box.seal(generateTotpSecret(), totpSecretContext(id)),
  });
  return describe(services, user, factor);
}

/**
 * Confirms a pending authenticator app with its first code. The code proves
 * possession, so it also counts as a TOTP authentication event.
 *
 * @param services - shared services
 * @param input - the user, the pending factor and the typed code
 * @returns the event to record in the session
 */
export async function confirmTotpEnrollment(
  services: Services,
  input: { user: User; factorId: string; code: string },
): Promise<AuthenticationEvent> {
  const factor = await findFactor(services.db, input.factorId);
  if (!pendingIsLive(services, factor, input.user.id)) throw new SimpleError('ERR_ENROLLMENT_EXPIRED');
  const event = await verifyTotpCode(services, {
    factors: [factor],
    code: input.code,
    scope: { challengeKey: `enroll:${factor.id}`, userId: input.user.id },
    onVerified: async () => confirmFactor(services.db, factor.id, services.now()),
  });
  await recordFactorChange(services, { change: 'enrolled', subject: input.user.id, factorId: factor.id, method: 'totp' });
  return event;
}
