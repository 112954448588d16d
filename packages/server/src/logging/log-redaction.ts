import type { redactOptions } from 'pino';

/*
 * What the logs must never hold: passwords, one-time and recovery codes,
 * OAuth codes and tokens, receipts, API keys, cookies, CSRF tokens. Logs
 * are shipped, kept and read by more people than the database; one line
 * with a refresh token or an API key in it is a credential handed out.
 *
 * pino redacts by path, and a path with wildcards costs tens of
 * microseconds a line per path. So instead of listing every name at every
 * depth, one wildcard path (`*`) hands each top-level value to
 * `censorLogValue`, which walks it once and redacts by key name at any
 * depth; top-level keys are listed by name, because pino does not tell a
 * wildcard's censor which key it is looking at.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[Redacted]';

/**
 * Key names whose values are secrets, compared after lower-casing and
 * dropping `_` and `-`: `access_token`, `accessToken` and `Access-Token`
 * are one name.
 */
const SECRET_KEYS = new Set([
  'password', 'newpassword', 'currentpassword', 'passwordhash',
  'code', 'codes', 'recoverycode', 'recoverycodes', 'otp', 'otpauth',
  'secret', 'clientsecret', 'webhooksecret', 'secretkeys', 'privatekey',
  'token', 'accesstoken', 'idtoken', 'idtokenhint', 'refreshtoken', 'logouttoken', 'codeverifier', 'clientassertion',
  'receipt', 'apikey', 'xapikey', 'csrf',
  'authorization', 'proxyauthorization', 'cookie', 'setcookie',
]);

/** Query parameters whose values are left out of logged URLs: the secret keys, plus OAuth `state` and `key`. */
const SECRET_QUERY_NAMES = new Set([...SECRET_KEYS, 'state', 'key']);

/** Top-level keys, spelled as they are logged (see the note at the top). */
const TOP_LEVEL_KEYS = [
  'password', 'new_password', 'current_password', 'password_hash', 'passwordHash',
  'code', 'codes', 'recovery_code', 'recoveryCode', 'otp', 'otpauth',
  'secret', 'client_secret', 'clientSecret', 'webhook_secret', 'webhookSecret', 'secretKeys',
  'token', 'access_token', 'accessToken', 'id_token', 'idToken', 'id_token_hint', 'refresh_token', 'refreshToken', 'code_verifier',
  'receipt', 'api_key', 'apiKey', '_csrf',
  'authorization', 'cookie', 'set-cookie', 'x-api-key',
];

// A JWS compact serialization (ID and access tokens, receipts, logout
// tokens) and a Stepwise API key, wherever they appear in a string.
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const API_KEY = /sw_[a-z0-9]{16}_[A-Za-z0-9_-]{20,}/g;

// Error codes stay readable under `code`: ours and Node's (`ERR_…`,
// `SQLITE_BUSY`) have an underscore, system errors (`ECONNREFUSED`) are
// short; a one-time code is digits, a recovery code 16 characters with no
// underscore, an OAuth code longer and mixed case.
const ERROR_CODE = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|E[A-Z]{2,12})$/;

/** Deeper than this, values are dropped rather than walked. */
const MAX_DEPTH = 12;

function normalizedKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function scrubPatterns(text: string): string {
  return text.replace(JWT, REDACTED).replace(API_KEY, REDACTED);
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function redactParameters(parameters: string): string {
  return parameters
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      return SECRET_QUERY_NAMES.has(normalizedKey(decodedName(pair.slice(0, equals)))) ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * A URL (absolute, or a path with a query) with the values of secret
 * parameters replaced, in the query and in the fragment: `code`, `state`,
 * tokens, `id_token_hint`, `client_secret`, … Any JWT or API key left in
 * it is replaced too. Parameter names and the path stay, so the line still
 * says which endpoint was called with what.
 *
 * @param url - as logged (`request.url`)
 * @returns the same URL with secret values replaced by `[Redacted]`
 * @example
 * ```ts
 * redactUrl('/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=x');
 * // '/callback?code=[Redacted]&state=[Redacted]&iss=x'
 * ```
 */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : `#${redactParameters(url.slice(hashAt + 1))}`;
  const queryAt = beforeHash.indexOf('?');
  const redacted = queryAt < 0 ? beforeHash : `${beforeHash.slice(0, queryAt + 1)}${redactParameters(beforeHash.slice(queryAt + 1))}`;
  return scrubPatterns(redacted + fragment);
}

/** `Bearer [Redacted]`: the scheme says how the caller authenticated, and is no secret. */
function redactedAuthorization(value: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) /.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

function redactedField(key: string, value: unknown, depth: number, ancestors: object[]): unknown {
  const name = normalizedKey(key);
  if (name === 'url' || name === 'originalurl' || name === 'href') return typeof value === 'string' ? redactUrl(value) : walk(value, depth, ancestors);
  if (!SECRET_KEYS.has(name)) return walk(value, depth, ancestors);
  if (value === null || value === undefined || value === '') return value;
  if (name === 'code' && typeof value === 'string' && ERROR_CODE.test(value)) return value;
  if ((name === 'authorization' || name === 'proxyauthorization') && typeof value === 'string') return redactedAuthorization(value);
  return REDACTED;
}

function walk(value: unknown, depth: number, ancestors: object[]): unknown {
  if (typeof value === 'string') return scrubPatterns(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[Too deep]';
  if (ancestors.includes(value)) return '[Circular]';
  if (value instanceof URL) return redactUrl(value.href);
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[Binary]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, ancestors);
  const inside = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, inside));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactedField(key, item, depth + 1, inside);
  return copy;
}

/**
 * pino's censor: a named top-level key by its name, anything else (the
 * wildcard: other keys, the message, child bindings) walked for secret
 * keys at any depth. The logged object is never changed; a copy is.
 *
 * @param value - a top-level value of the log line
 * @param path - `[key]`, or pino's wildcard symbol
 */
function censorLogValue(value: unknown, path: readonly unknown[]): unknown {
  const key = path[path.length - 1];
  return typeof key === 'string' ? redactedField(key, value, 0, []) : walk(value, 0, []);
}

function topLevelPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
}

/**
 * pino's `redact` option for every Stepwise logger: secret keys at any
 * depth (request and response headers `authorization`, `cookie`,
 * `set-cookie`; bodies' `password`, `code`, `secret`, `otp`, tokens,
 * `client_secret`, `receipt`, API keys), secret query parameters of logged
 * URLs (`req.url`), and anything shaped like a JWT or a Stepwise API key
 * in any string, the message included.
 *
 * @example
 * ```ts
 * const logger = pino({ level: 'info', redact: LOG_REDACT });
 * logger.info({ req: { url: '/cb?code=abc' }, body: { user: { password: 'x' } } }); // url '/cb?code=[Redacted]', password '[Redacted]'
 * ```
 */
export const LOG_REDACT: redactOptions = {
  paths: ['*', 'url', ...TOP_LEVEL_KEYS.map(topLevelPath)],
  censor: censorLogValue,
};
