import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 time step; the one every authenticator app assumes. */
export const TOTP_PERIOD_SECONDS = 30;
/** Code length; 6 is the only length all common apps show. */
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now, for clock drift and typing time. */
export const TOTP_WINDOW = 1;

// SHA-1 is what apps implement everywhere; HMAC-SHA-1 is not weakened by
// SHA-1 collisions.
const ALGORITHM = 'SHA1';
// RFC 4226 asks for at least 128 bits and recommends 160.
const SECRET_BYTES = 20;

function secretFrom(base32: string): Secret {
  return Secret.fromBase32(base32.replace(/\s+/g, '').toUpperCase());
}

/**
 * The additional authenticated data a factor's sealed secret is bound to,
 * so a ciphertext copied into another row does not open.
 *
 * @param factorId - the factor the secret belongs to
 */
export function totpSecretContext(factorId: string): string {
  return `totp:${factorId}`;
}

/**
 * A new random shared secret.
 *
 * @returns 20 random bytes in base32 (32 characters, no padding)
 * @example
 * ```ts
 * const secret = generateTotpSecret(); // "JBSWY3DPEHPK3PXP…"
 * ```
 */
export function generateTotpSecret(): string {
  // Copied into its own ArrayBuffer: a Buffer may be a view into a shared pool.
  return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/**
 * The `otpauth://` key URI that authenticator apps read from a QR code.
 *
 * @param input.secret - base32 secret from {@link generateTotpSecret}
 * @param input.issuer - the service name shown in the app, e.g. `Acme Bank`
 * @param input.account - the user's name shown in the app
 * @example
 * ```ts
 * totpUri({ secret, issuer: 'Acme Bank', account: 'alice' });
 * // otpauth://totp/Acme%20Bank:alice?issuer=Acme%20Bank&secret=…&algorithm=SHA1&digits=6&period=30
 * ```
 */
export function totpUri(input: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer: input.issuer,
    label: input.account,
    secret: secretFrom(input.secret),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/**
 * Renders a key URI as a QR code.
 *
 * @param uri - from {@link totpUri}
 * @returns an `<svg>` document, safe to inline (it holds no script)
 */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * Splits a secret into groups of four for users who type it by hand.
 *
 * @param secret - base32 secret
 * @example
 * ```ts
 * formatSecretForTyping('GEZDGNBVGY3TQOJQ'); // "GEZD GNBV GY3T QOJQ"
 * ```
 */
export function formatSecretForTyping(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * The time step (floor(unix seconds / 30)) the code belongs to, within ±1
 * step of `nowMs`, or `null`. Non-digit or wrong-length codes return `null`;
 * spaces are stripped. Each candidate is compared in constant time.
 *
 * Callers store the returned step and refuse a code whose step is not newer
 * than the last one accepted, which makes each code usable once.
 *
 * @param secret - base32 secret
 * @param code - what the user typed
 * @param nowMs - the current time in milliseconds
 * @example
 * ```ts
 * const step = matchTotp(secret, '287 082', Date.now());
 * if (step === null || step <= factor.lastStep) throw new InvalidCodeError();
 * ```
 */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^[0-9]{${TOTP_DIGITS}}$`).test(token)) return null;
  const delta = TOTP.validate({
    token,
    secret: secretFrom(secret),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: nowMs,
    window: TOTP_WINDOW,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: nowMs }) + delta;
}

/**
 * The code an app shows at a given time, for tests and the demo.
 *
 * @param secret - base32 secret
 * @param nowMs - time in milliseconds
 * @example
 * ```ts
 * totpCodeAt('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000); // "287082"
 * ```
 */
export function totpCodeAt(secret: string, nowMs: number): string {
  return TOTP.generate({
    secret: secretFrom(secret),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: nowMs,
  });
}
