import { signSmsWebhook } from './sms-webhook.js';

/**
 * POSTs a JSON body to an operator's webhook, signed with its secret in
 * `header` (`t=<seconds>,v1=<HMAC-SHA256>`, the SMS webhook's scheme).
 * Redirects are not followed, so the body never goes to a URL the operator
 * did not configure; the answer's content is discarded.
 *
 * @param url - the configured webhook URL
 * @param secret - the shared HMAC secret
 * @param header - the signature header's name
 * @param body - JSON text
 * @param timeoutMs - time limit of the whole request
 * @returns the HTTP status of the answer
 * @throws when the webhook cannot be reached or times out
 * @example
 * ```ts
 * const status = await postSignedJson(settings.url, settings.secret, 'Stepwise-Signature', JSON.stringify(batch), 10_000);
 * ```
 */
export async function postSignedJson(url: string, secret: string, header: string, body: string, timeoutMs: number): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [header]: signSmsWebhook(secret, Math.floor(Date.now() / 1000), body) },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // The answer's content is of no use; release the connection.
  await response.body?.cancel();
  return response.status;
}
