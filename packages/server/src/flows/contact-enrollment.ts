import { randomUUID } from 'node:crypto';
import { SimpleError, ValidationError, type AuthenticationEvent, type MethodId } from '@stepwise/core';
import type { Channel } from '../delivery/messenger.js';
import type { Services } from '../services.js';
import {
  confirmFactor,
  createFactor,
  deleteFactor,
  deleteUnconfirmedFactors,
  findFactor,
  listFactors,
  type Factor,
} from '../storage/factors.js';
import { setContact, type User } from '../storage/users.js';
import { channelOf, maskDestination, sendOneTimeCode, verifyOneTimeCode, type SentCode } from './one-time-codes.js';
import { ENROLLMENT_TTL_SECONDS } from './totp-enrollment.js';
import { recordFactorChange } from '../audit/events.js';

const METHOD_OF: Readonly<Record<Channel, MethodId>> = { email: 'email_otp', sms: 'sms_otp' };
const LABEL_OF: Readonly<Record<Channel, string>> = { email: 'Email', sms: 'Text messages' };
const PURPOSE_OF: Readonly<Record<Channel, string>> = {
  email: 'confirm this email address for your Stepwise account',
  sms: 'confirm this phone number for your Stepwise account',
};

// Characters that would let one "address" become several recipients or
// headers once it reaches SMTP, besides spaces and control characters.
const EMAIL_FORBIDDEN = /[\s\p{Cc}\p{Cf},;:<>()[\]\\"]/u;
const EMAIL_DOMAIN = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;
const E164 = /^\+[1-9]\d{6,14}$/;

function normalizeEmail(value: string): string {
  const email = value.trim();
  if (email === '') throw new ValidationError('email', 'must not be empty');
  if (email.length > 254) throw new ValidationError('email', 'must be at most 254 characters');
  if (EMAIL_FORBIDDEN.test(email)) throw new ValidationError('email', 'must not contain spaces, control characters or any of , ; : < > ( ) [ ] \\ "');
  const parts = email.split('@');
  if (parts.length !== 2) throw new ValidationError('email', 'must contain exactly one @');
  const [local = '', domain = ''] = parts;
  if (local === '' || local.length > 64) throw new ValidationError('email', 'must have 1 to 64 characters before the @');
  if (!EMAIL_DOMAIN.test(domain)) throw new ValidationError('email', 'must have a domain with a dot after the @, such as example.com');
  return `${local}@${domain.toLowerCase()}`;
}

function normalizePhone(value: string): string {
  const phone = value.trim().replace(/[\s.()-]/g, '');
  if (!E164.test(phone)) {
    throw new ValidationError('phone', 'must be an international number: + and the country code, then 6 to 14 digits, such as +44 7700 900123');
  }
  return phone;
}

/**
 * The stored form of an email address or phone number. Email: trimmed, the
 * domain lower-cased (the part before @ may be case-sensitive), at most 254
 * characters. Phone: spaces, dashes, dots and parentheses removed, then
 * E.164 (`+`, country code, at most 15 digits).
 *
 * @param channel - `email` or `sms`
 * @param value - as typed
 * @throws ValidationError on field `email` or `phone`
 * @example
 * ```ts
 * normalizeDestination('email', ' Dana@Example.COM '); // 'Dana@example.com'
 * normalizeDestination('sms', '+44 (7700) 900-123');   // '+447700900123'
 * ```
 */
export function normalizeDestination(channel: Channel, value: string): string {
  return channel === 'email' ? normalizeEmail(value) : normalizePhone(value);
}

function sameDestination(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Starts adding an email address or phone number as a sign-in method: an
 * unconfirmed factor, and a code sent to it that proves the user receives
 * there. Callers require a fresh step-up first (a sensitive change).
 *
 * @param services - shared services
 * @param input - the signed-in user, the channel and the address or number as typed
 * @returns where the code went, and the pending factor's id to confirm
 * @throws ValidationError for a malformed destination; SimpleError `ERR_FACTOR_ALREADY_ENROLLED`,
 *   `ERR_CHANNEL_UNAVAILABLE`, `ERR_SEND_RATE_LIMITED` or `ERR_DELIVERY_FAILED`
 * @example
 * ```ts
 * const sent = await startContactEnrollment(services, { user, channel: 'email', destination: 'dana@example.com' });
 * // later, with the code the user typed:
 * await confirmContactEnrollment(services, { user, factorId: sent.factorId, code });
 * ```
 */
export async function startContactEnrollment(
  services: Services,
  input: { user: User; channel: Channel; destination: string },
): Promise<SentCode> {
  const { user, channel } = input;
  const destination = normalizeDestination(channel, input.destination);
  // Before any factor is created, so an unusable channel leaves nothing behind.
  if (!services.messenger.available(channel)) throw new SimpleError('ERR_CHANNEL_UNAVAILABLE', undefined, { channel });
  const method = METHOD_OF[channel];
  const factors = await listFactors(services.db, user.id, { confirmedOnly: true });
  if (factors.some((factor) => factor.method === method && factor.destination !== null && sameDestination(factor.destination, destination))) {
    throw new SimpleError('ERR_FACTOR_ALREADY_ENROLLED');
  }

  await deleteUnconfirmedFactors(services.db, user.id, method);
  const factor = await createFactor(services.db, {
    id: randomUUID(),
    userId: user.id,
    method,
    name: `${LABEL_OF[channel]} (${maskDestination(channel, destination)})`,
    secret: null,
    destination,
  });
  try {
    return await sendOneTimeCode(services, { user, factor, challengeKey: `enroll:${factor.id}`, purpose: PURPOSE_OF[channel] });
  } catch (error) {
    // Nothing to confirm without a code; a retry starts clean.
    await deleteFactor(services.db, factor.id);
    throw error;
  }
}

function pendingIsLive(services: Services, factor: Factor | undefined, userId: string): factor is Factor {
  return (
    factor !== undefined &&
    factor.userId === userId &&
    channelOf(factor.method) !== undefined &&
    factor.destination !== null &&
    factor.confirmedAt === null &&
    factor.createdAt + ENROLLMENT_TTL_SECONDS >= services.now()
  );
}

/**
 * Confirms a pending email address or phone number with the code sent to
 * it, and records it as the user's address or number. The code proves
 * possession, so it also counts as an `email_otp` / `sms_otp` event.
 *
 * @param services - shared services
 * @param input - the user, the pending factor and the typed code
 * @returns the event to record in the session
 * @throws SimpleError `ERR_ENROLLMENT_EXPIRED` (not this user's pending factor, or older than 15 minutes),
 *   and whatever {@link verifyOneTimeCode} throws
 * @example
 * ```ts
 * const event = await confirmContactEnrollment(services, { user, factorId, code: '123 456' });
 * ```
 */
export async function confirmContactEnrollment(
  services: Services,
  input: { user: User; factorId: string; code: string },
): Promise<AuthenticationEvent> {
  const factor = await findFactor(services.db, input.factorId);
  if (!pendingIsLive(services, factor, input.user.id)) throw new SimpleError('ERR_ENROLLMENT_EXPIRED');
  const event = await verifyOneTimeCode(services, {
    factors: [factor],
    code: input.code,
    scope: { challengeKey: `enroll:${factor.id}`, userId: input.user.id },
  });
  await confirmFactor(services.db, factor.id, services.now());
  const destination = factor.destination!;
  await setContact(services.db, input.user.id, factor.method === 'email_otp' ? { email: destination } : { phone: destination });
  await recordFactorChange(services, { change: 'enrolled', subject: input.user.id, factorId: factor.id, method: factor.method });
  return event;
}
