import { ValidationError } from '@stepwise/core';

/** What `stepwise apikeys create` accepts as a name. */
const NAME = /^[A-Za-z0-9._~-]{1,64}$/;

/** At most this many return URLs per key. */
export const MAX_RETURN_TO = 20;

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * A URL the hosted challenge page may send users back to, checked as the
 * CLI checks it: absolute, https (plain http only on the loopback host),
 * no fragment.
 *
 * @param uri - one line of the form
 * @throws {@link ValidationError} on `return_to`
 * @example
 * ```ts
 * checkReturnTo('https://bank.example/stepped-up'); // 'https://bank.example/stepped-up'
 * ```
 */
export function checkReturnTo(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError('return_to', `"${uri.slice(0, 200)}" is not an absolute URL`);
  }
  if (url.hash || uri.includes('#')) throw new ValidationError('return_to', 'must not have a fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname))) {
    throw new ValidationError('return_to', 'must be https (http only for localhost)');
  }
  return uri;
}

/**
 * The create form of the API keys page: a name as the CLI accepts it, and
 * return URLs one per line (blank lines ignored, duplicates once).
 *
 * @param form - the posted fields
 * @throws {@link ValidationError} on `name` or `return_to`
 * @example
 * ```ts
 * readApiKeyForm({ name: 'bank-backend', return_to: 'https://bank.example/stepped-up\n' });
 * // { name: 'bank-backend', returnTo: ['https://bank.example/stepped-up'] }
 * ```
 */
export function readApiKeyForm(form: { name?: string | undefined; return_to?: string | undefined }): { name: string; returnTo: string[] } {
  const name = (form.name ?? '').trim();
  if (!NAME.test(name)) throw new ValidationError('name', 'use letters, digits and . _ ~ - only (1 to 64)');
  const lines = [...new Set((form.return_to ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean))];
  if (lines.length > MAX_RETURN_TO) throw new ValidationError('return_to', `at most ${MAX_RETURN_TO} URLs`);
  return { name, returnTo: lines.map(checkReturnTo) };
}
