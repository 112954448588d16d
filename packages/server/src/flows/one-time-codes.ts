import { randomInt, randomUUID } from 'node:crypto';
import { CodeReusedError, InvalidCodeError, SimpleError, type AuthenticationEvent, type MethodId } from '@stepwise/core';
import { keyedHash, matchesKeyedHash } from '../crypto/keyed-hash.js';
import type { Channel } from '../delivery/messenger.js';
import type { Services } from '../services.js';
import { registerFailure, windowRemaining } from '../storage/attempts.js';
import { touchFactor, type Factor } from '../storage/factors.js';
import {
  consumeOneTimeCode,
  deleteExpiredCodes,
  deleteOneTimeCode,
  deleteUnconsumedCodes,
  findCodes,
  insertOneTimeCode,
  type OneTimeCode,
} from '../storage/one-time-codes.js';
import type { User } from '../storage/users.js';
import { chargeFailure, clearAccountFailures, refuseExhaustedAttempts, type AttemptScope } from './totp-verification.js';

/** What the "we sent you a code" page shows. */
export interface SentCode {
  readonly factorId: string;
  readonly channel: Channel;
  /** e.g. "d•••@example.com", "+44 •••• ••• 789" */
  readonly maskedDestination: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** DESIGN.md: emailed and texted codes live at most 10 minutes, whatever the configuration says. */
const MAX_TTL_SECONDS = 600;

/*
 * Expired and used codes stay a day, so a late or replayed code gets its
 * own answer ("expired", "already used") rather than "wrong".
 */
const KEEP_SPENT_SECONDS = 86_400;

const HASH_PURPOSE = 'one-time code';

/**
 * The channel a method sends its codes through.
 *
 * @param method - a method id
 * @returns `email` for `email_otp`, `sms` for `sms_otp`, otherwise undefined
 * @example
 * ```ts
 * channelOf('sms_otp'); // 'sms'
 * channelOf('totp');    // undefined
 * ```
 */
export function channelOf(method: MethodId): Channel | undefined {
  if (method === 'email_otp') return 'email';
  if (method === 'sms_otp') return 'sms';
  return undefined;
}

/**
 * A destination shown so the user recognises it while someone looking over
 * their shoulder (or at a stolen session) learns little.
 *
 * @param channel - `email` or `sms`
 * @param destination - the normalized address or E.164 number
 * @example
 * ```ts
 * maskDestination('email', 'dana@example.com'); // 'd•••@example.com'
 * maskDestination('sms', '+447700900789');      // '+44 •••• ••• 789'
 * ```
 */
export function maskDestination(channel: Channel, destination: string): string {
  if (channel === 'email') {
    const at = destination.lastIndexOf('@');
    if (at <= 0) return '•••';
    return `${[...destination.slice(0, at)][0]}•••${destination.slice(at)}`;
  }
  const digits = destination.replace(/\D/g, '');
  // Country codes 1 (North America) and 7 have one digit; showing two of the others is enough to recognise them.
  const country = /^[17]/.test(digits) ? digits.slice(0, 1) : digits.slice(0, 2);
  return `+${country} •••• ••• ${digits.slice(-3)}`;
}

function codeHashInput(challengeKey: string, factorId: string, code: string): string {
  return `${challengeKey}\n${factorId}\n${code}`;
}

function generateCode(length: number): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

/**
 * Counts one send against a limit; the counter is incremented first and
 * checked after, in one statement, so concurrent sends on several nodes
 * cannot all slip under it.
 */
async function chargeSend(services: Services, key: string, limit: number): Promise<void> {
  const now = services.now();
  const window = services.config.codes.sendWindowSeconds;
  if ((await registerFailure(services.db, key, now, window)) <= limit) return;
  const retryAfter = Math.max(1, await windowRemaining(services.db, key, now, window));
  throw new SimpleError('ERR_SEND_RATE_LIMITED', undefined, { retry_after: retryAfter });
}

/**
 * Sends a fresh one-time code to an email or SMS factor, for one step-up.
 * The code is stored only as a keyed hash bound to the step-up and the
 * factor; it replaces the factor's earlier unused code for this step-up. A
 * code that could not be delivered is removed at once.
 *
 * @param services - shared services
 * @param input - the user, their `email_otp` or `sms_otp` factor, the step-up's key, and what the code is for in plain words
 * @returns where it went (masked) and until when it is valid
 * @throws SimpleError `ERR_FACTOR_NOT_ENROLLED` (not this user's code factor), `ERR_CHANNEL_UNAVAILABLE`,
 *   `ERR_SEND_RATE_LIMITED` (details `retry_after`) or `ERR_DELIVERY_FAILED`
 * @example
 * ```ts
 * const sent = await sendOneTimeCode(services, { user, factor, challengeKey: `interaction:${uid}`, purpose: 'confirm a sign-in to Stepwise Bank' });
 * // "We sent a code to d•••@example.com"
 * ```
 */
export async function sendOneTimeCode(
  services: Services,
  input: { user: User; factor: Factor; challengeKey: string; purpose: string },
): Promise<SentCode> {
  const { user, factor, challengeKey } = input;
  const channel = channelOf(factor.method);
  if (!channel || factor.destination === null || factor.userId !== user.id) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
  if (!services.messenger.available(channel)) throw new SimpleError('ERR_CHANNEL_UNAVAILABLE', undefined, { channel });

  const { sendsPerUser, sendsPerDestination } = services.config.codes;
  await chargeSend(services, `send:user:${user.id}`, sendsPerUser);
  // Lower-cased so "Dana@Example.com" and "dana@example.com" share one limit.
  await chargeSend(services, `send:to:${factor.destination.toLowerCase()}`, sendsPerDestination);

  const now = services.now();
  const ttl = Math.min(services.config.codes.ttl, MAX_TTL_SECONDS);
  const code = generateCode(services.config.codes.length);
  await deleteExpiredCodes(services.db, now - KEEP_SPENT_SECONDS);
  await deleteUnconsumedCodes(services.db, challengeKey, factor.id);
  const stored = await insertOneTimeCode(services.db, {
    id: randomUUID(),
    userId: user.id,
    factorId: factor.id,
    challengeKey,
    codeHash: keyedHash(services.secretKeys, HASH_PURPOSE, codeHashInput(challengeKey, factor.id, code)),
    createdAt: now,
    expiresAt: now + ttl,
  });
  try {
    await services.messenger.sendCode({ channel, to: factor.destination, code, purpose: input.purpose, expiresInSeconds: ttl });
  } catch (error) {
    await deleteOneTimeCode(services.db, stored.id);
    throw error;
  }
  return { factorId: factor.id, channel, maskedDestination: maskDestination(channel, factor.destination), expiresAt: stored.expiresAt };
}

/** The best match of a typed code among the step-up's codes: a live one wins over a used one over an expired one. */
function bestMatch(services: Services, codes: readonly OneTimeCode[], typed: string, now: number): OneTimeCode | undefined {
  const rank = (code: OneTimeCode) => (code.consumedAt !== null ? 1 : code.expiresAt <= now ? 2 : 0);
  let best: OneTimeCode | undefined;
  for (const code of codes) {
    const input = codeHashInput(code.challengeKey, code.factorId, typed);
    if (!matchesKeyedHash(services.secretKeys, HASH_PURPOSE, input, code.codeHash)) continue;
    if (!best || rank(code) < rank(best)) best = code;
  }
  return best;
}

/**
 * Verifies a code sent by email or SMS for this step-up. A live code is
 * consumed atomically (two nodes cannot both accept it); a used one is
 * refused as reused and an unknown one as wrong, both charged to the
 * step-up and account counters; an expired right code is refused without
 * a charge, since the user did nothing wrong. Spaces in the input are
 * ignored ("123 456").
 *
 * @param services - shared services
 * @param input - the user's `email_otp` / `sms_otp` factors to accept codes for, the typed code and the attempt scope
 * @returns the authentication event to record
 * @throws {@link InvalidCodeError}, {@link CodeReusedError}, SimpleError `ERR_CODE_EXPIRED`,
 *   `ERR_FACTOR_NOT_ENROLLED` (no code factor given), {@link TooManyAttemptsError} or {@link AccountLockedError}
 * @example
 * ```ts
 * const event = await verifyOneTimeCode(services, { factors, code: '123 456', scope: { challengeKey: `interaction:${uid}`, userId } });
 * ```
 */
export async function verifyOneTimeCode(
  services: Services,
  input: { factors: readonly Factor[]; code: string; scope: AttemptScope },
): Promise<AuthenticationEvent> {
  const { scope } = input;
  const accountFailures = await refuseExhaustedAttempts(services, scope);
  const factors = new Map(
    input.factors
      .filter((factor) => channelOf(factor.method) !== undefined && factor.userId === scope.userId)
      .map((factor) => [factor.id, factor]),
  );
  if (factors.size === 0) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');

  const now = services.now();
  const typed = input.code.replace(/\s+/g, '');
  const codes = (await findCodes(services.db, scope.challengeKey, scope.userId)).filter((code) => factors.has(code.factorId));
  const match = /^\d+$/.test(typed) && typed.length === services.config.codes.length ? bestMatch(services, codes, typed, now) : undefined;

  if (match && match.consumedAt === null && match.expiresAt > now) {
    const factor = factors.get(match.factorId)!;
    if (await consumeOneTimeCode(services.db, match.id, now)) {
      await touchFactor(services.db, factor.id, now);
      await clearAccountFailures(services, scope.userId, accountFailures);
      return { method: factor.method, at: now, authenticatorId: factor.id };
    }
    // Another request consumed it between our read and our update.
    await chargeFailure(services, scope);
    throw new CodeReusedError();
  }
  if (match && match.consumedAt !== null) {
    await chargeFailure(services, scope);
    throw new CodeReusedError();
  }
  if (match) throw new SimpleError('ERR_CODE_EXPIRED');
  throw new InvalidCodeError(await chargeFailure(services, scope));
}
