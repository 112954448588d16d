import type { GuardError } from './errors.js';

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/**
 * Formats one auth-param. Integers go as tokens (`max_age=300`, as in the
 * issue and allowed by RFC 9470 section 3); strings are always quoted, as
 * RFC 6750 writes `error="invalid_token"`.
 *
 * @param name - parameter name
 * @param value - its value
 */
function authParam(name: string, value: string | number): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return `${name}=${value}`;
  return `${name}=${quoted(String(value))}`;
}

/**
 * The `WWW-Authenticate` value for a refusal: `Bearer realm="…", error="…",
 * error_description="…"` followed by the error's own parameters
 * (`acr_values`, `max_age` for RFC 9470).
 *
 * @param error - the refusal
 * @param realm - the protection space, when configured
 * @returns the header value, or `undefined` for answers that carry none (503)
 * @example
 * ```ts
 * bearerChallenge(new InsufficientUserAuthenticationError({ acrValues: ['aal2'], maxAge: 300 }, 'A different authentication level is required'));
 * // 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="aal2", max_age=300'
 * ```
 */
export function bearerChallenge(error: GuardError, realm?: string): string | undefined {
  if (error.status !== 401) return undefined;
  const params: string[] = [];
  if (realm !== undefined) params.push(authParam('realm', realm));
  if (error.bearerError !== undefined) {
    params.push(authParam('error', error.bearerError), authParam('error_description', error.message));
  }
  for (const [name, value] of error.challengeParams()) params.push(authParam(name, value));
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}
