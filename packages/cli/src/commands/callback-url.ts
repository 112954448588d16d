import { ValidationError } from '@stepwise/core';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Checks a URL users are sent back to (an OAuth redirect URI, an API key's
 * return_to): absolute, https (plain http only on the loopback host), and
 * without a fragment.
 *
 * @param field - the option it came from, for the error (`return-to`)
 * @param uri - the URL as typed
 * @returns the same URL
 * @throws {@link ValidationError} naming the field
 * @example
 * ```ts
 * checkCallbackUrl('return-to', 'https://bank.example/stepped-up'); // 'https://bank.example/stepped-up'
 * checkCallbackUrl('return-to', 'http://bank.example/');            // throws ERR_VALIDATION
 * ```
 */
export function checkCallbackUrl(field: string, uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(field, `"${uri}" is not an absolute URL`);
  }
  if (url.hash || uri.includes('#')) throw new ValidationError(field, 'must not have a fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname))) {
    throw new ValidationError(field, 'must be https (http only for localhost)');
  }
  return uri;
}
