import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { StepwiseConfig } from '../config/schema.js';
import type { CodeMessage } from './messenger.js';
import { postSignedJson } from './signed-post.js';

/*
 * Stepwise sends no SMS itself: it POSTs each message to a webhook the
 * operator runs (a few lines in front of Twilio, Vonage, an SMS gateway).
 * The webhook must be able to tell our requests from anyone else's, and an
 * old request replayed later from a fresh one, hence the signature.
 */

/** The SMS settings of a server that has SMS configured. */
export type SmsSettings = NonNullable<StepwiseConfig['sms']>;

/** The header that carries the signature. */
export const SMS_SIGNATURE_HEADER = 'Stepwise-Signature';

/** The JSON body of a webhook request. */
export interface SmsWebhookPayload {
  /** Unique per message, so a receiver can drop a retried duplicate. */
  readonly message_id: string;
  /** E.164 number. */
  readonly to: string;
  /** The whole SMS, ready to send as is. */
  readonly text: string;
  /** The code alone, for gateways with their own templates. */
  readonly code: string;
  readonly purpose: string;
  /** Seconds the code stays valid. */
  readonly expires_in: number;
}

const TIMEOUT_MS = 5_000;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The `Stepwise-Signature` header value for a webhook body, in the scheme
 * Stripe uses: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the MAC, so a receiver that checks it refuses
 * replays of old requests; the raw body is, so any change is detected.
 *
 * @param secret - `sms.webhook_secret`
 * @param timestamp - unix seconds of sending
 * @param body - the exact request body
 * @example
 * ```ts
 * signSmsWebhook(secret, 1700000000, '{"to":"+447700900123"}'); // 't=1700000000,v1=5f0c…'
 * ```
 */
export function signSmsWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Checks a `Stepwise-Signature` header the way a webhook receiver should:
 * the timestamp within `toleranceSeconds` of now (either way), and one of
 * its `v1` values equal, in constant time, to the HMAC of `"<t>.<body>"`.
 * Several `v1` values are allowed so a sender can sign with an old and a new
 * secret during rotation. Never throws: anything malformed is `false`.
 *
 * @param secret - the shared webhook secret
 * @param header - the header value as received
 * @param body - the raw request body, before any JSON parsing
 * @param nowSeconds - the receiver's clock, unix seconds
 * @param toleranceSeconds - how old (or early) a request may be; 5 minutes by default
 * @returns whether the request is authentic and fresh
 * @example
 * ```ts
 * if (!verifySmsWebhookSignature(secret, req.headers['stepwise-signature'], rawBody, Math.floor(Date.now() / 1000))) {
 *   res.writeHead(401).end();
 * }
 * ```
 */
export function verifySmsWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (typeof header !== 'string') return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, extra] = part.trim().split('=');
    if (value === undefined || extra !== undefined) return false;
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return false;
      timestamp = Number(value);
    } else if (key === 'v1') {
      signatures.push(value);
    }
  }
  if (timestamp === undefined || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body));
  let valid = false;
  for (const signature of signatures) {
    // Each comparison runs whatever came before, so timing says nothing about which matched.
    if (HEX_SHA256.test(signature) && timingSafeEqual(Buffer.from(signature), expected)) valid = true;
  }
  return valid;
}

/**
 * The text of a code SMS: the code first, so phones can offer to fill it in.
 *
 * @param message - the code, its purpose and its lifetime
 * @example
 * ```ts
 * composeCodeSms({ channel: 'sms', to, code: '123456', purpose: 'confirm a sign-in', expiresInSeconds: 600 });
 * // '123456 is your verification code to confirm a sign-in. It expires in 10 min. …'
 * ```
 */
export function composeCodeSms(message: CodeMessage): string {
  const minutes = Math.max(1, Math.round(message.expiresInSeconds / 60));
  return `${message.code} is your verification code to ${message.purpose}. It expires in ${minutes} min. Do not share it. Did not ask for it? Ignore this message.`;
}

/**
 * POSTs one code message to the SMS webhook, signed; anything but a 2xx
 * answer within the time limit is a failure. Redirects are not followed, so
 * the code never goes to a URL the operator did not configure.
 *
 * @param sms - webhook URL and secret
 * @param message - the message
 * @param options - `timeoutMs` (5 seconds by default)
 * @throws Error when the webhook cannot be reached, times out or answers non-2xx
 * @example
 * ```ts
 * await sendSmsWebhook(config.sms!, { channel: 'sms', to: '+447700900123', code, purpose, expiresInSeconds: 600 });
 * ```
 */
export async function sendSmsWebhook(sms: SmsSettings, message: CodeMessage, options: { timeoutMs?: number } = {}): Promise<void> {
  const payload: SmsWebhookPayload = {
    message_id: randomUUID(),
    to: message.to,
    text: composeCodeSms(message),
    code: message.code,
    purpose: message.purpose,
    expires_in: message.expiresInSeconds,
  };
  const body = JSON.stringify(payload);
  const status = await postSignedJson(sms.webhookUrl, sms.webhookSecret, SMS_SIGNATURE_HEADER, body, options.timeoutMs ?? TIMEOUT_MS);
  if (status < 200 || status > 299) throw new Error(`the SMS webhook answered HTTP ${status}`);
}
