import { bearerChallenge } from './challenge.js';
import type { GuardError } from './errors.js';

/** A refusal ready to send, the same for every framework adapter. */
export interface GuardAnswer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text: `{ error: "ERR_…", message, …details }`. */
  readonly body: string;
}

/** Seconds a client should wait when the issuer cannot be reached. */
const ISSUER_RETRY_AFTER = '5';

/**
 * Turns a refusal into status, headers and a JSON body. The body repeats the
 * challenge's facts (`oauth_error`, `acr_values`, `max_age`) with the stable
 * Stepwise error code, for clients that do not parse `WWW-Authenticate`.
 *
 * @param error - the refusal
 * @param realm - the protection space, when configured
 * @example
 * ```ts
 * const answer = guardAnswer(error);
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 * ```
 */
export function guardAnswer(error: GuardError, realm?: string): GuardAnswer {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  const challenge = bearerChallenge(error, realm);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  if (error.status === 503) headers['retry-after'] = ISSUER_RETRY_AFTER;
  return { status: error.status, headers, body: JSON.stringify(error.toJSON()) };
}
