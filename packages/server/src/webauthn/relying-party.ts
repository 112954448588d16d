import { SimpleError } from '@stepwise/core';
import type { Services } from '../services.js';

/** How long a WebAuthn challenge may be answered. */
export const CEREMONY_TTL_SECONDS = 300;

/** The browser's timeout for a WebAuthn prompt, a little inside the ceremony's lifetime. */
export const CEREMONY_TIMEOUT_MS = 240_000;

/** The Relying Party this server is. */
export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: readonly string[];
}

/**
 * The configured Relying Party.
 *
 * @param services - shared services
 * @throws `ERR_WEBAUTHN_UNAVAILABLE` when passkeys are off (see `config.webauthn.rpId`)
 */
export function relyingParty(services: Services): RelyingParty {
  const { rpId, rpName, origins } = services.config.webauthn;
  if (rpId === null) throw new SimpleError('ERR_WEBAUTHN_UNAVAILABLE');
  return { id: rpId, name: rpName, origins };
}

/**
 * Whether passkeys and security keys can be used on this server.
 *
 * @param services - shared services
 */
export function webauthnEnabled(services: Services): boolean {
  return services.config.webauthn.rpId !== null;
}

/**
 * Reads the JSON a page posted back from `@simplewebauthn/browser`, checking
 * only its outline; the signature checks that follow judge the rest.
 *
 * @param text - the posted `response` field
 * @throws `ERR_WEBAUTHN_FAILED` when it is not a public-key credential object
 */
export function parseCredentialJson<T extends { id: string; type: string }>(text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimpleError('ERR_WEBAUTHN_FAILED', 'The browser did not send a passkey response; try again');
  }
  const candidate = value as Partial<T> & { response?: unknown };
  if (
    typeof value !== 'object' || value === null ||
    typeof candidate.id !== 'string' || !/^[A-Za-z0-9_-]{1,1366}$/.test(candidate.id) ||
    candidate.type !== 'public-key' ||
    typeof candidate.response !== 'object' || candidate.response === null
  ) {
    throw new SimpleError('ERR_WEBAUTHN_FAILED');
  }
  return value as T;
}
