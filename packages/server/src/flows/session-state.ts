import type { AuthenticationEvent, EnrolledAuthenticator } from '@stepwise/core';
import { recordSessionRevoked, type AuditOrigin } from '../audit/events.js';
import type { Services } from '../services.js';
import type { Factor } from '../storage/factors.js';
import { findSessionByToken, findSignedInSession, revokeSession, type SessionRecord } from '../storage/sessions.js';
import type { User } from '../storage/users.js';
import { listWebauthnCredentials, type WebauthnCredential } from '../storage/webauthn-credentials.js';

/** Our first-party browser session cookie: an opaque random token. */
export const SESSION_COOKIE = 'stepwise_session';

/** A signed-in browser: the session, its user, its events and the user's authenticators. */
export interface SessionState {
  readonly token: string;
  readonly session: SessionRecord;
  readonly user: User;
  readonly events: readonly AuthenticationEvent[];
  readonly factors: readonly Factor[];
  /** The WebAuthn credentials behind the user's `webauthn` factors. */
  readonly credentials: readonly WebauthnCredential[];
  readonly enrolled: readonly EnrolledAuthenticator[];
}

/**
 * The authenticators a user can use now: the password when set, and every
 * confirmed second factor. A WebAuthn credential is described as its next
 * use would be: backed up or not, and verifying the user when it did so at
 * registration.
 *
 * @param user - the user
 * @param factors - the user's confirmed factors
 * @param credentials - the user's WebAuthn credentials
 */
export function enrolledAuthenticators(
  user: User,
  factors: readonly Factor[],
  credentials: readonly WebauthnCredential[] = [],
): EnrolledAuthenticator[] {
  const byFactor = new Map(credentials.map((credential) => [credential.factorId, credential]));
  const authenticators: EnrolledAuthenticator[] = user.passwordHash ? [{ method: 'password' }] : [];
  for (const factor of factors) {
    if (factor.confirmedAt === null) continue;
    const credential = byFactor.get(factor.id);
    if (factor.method === 'webauthn') {
      if (credential) authenticators.push({ method: 'webauthn', authenticatorId: factor.id, userVerified: credential.userVerified, backedUp: credential.backedUp });
    } else {
      authenticators.push({ method: factor.method, authenticatorId: factor.id });
    }
  }
  return authenticators;
}

/**
 * Loads the session behind a cookie value, or nothing when the cookie is
 * absent, unknown, revoked, expired, or its user is disabled.
 *
 * @param services - shared services
 * @param token - the session cookie's value
 */
export async function loadSessionState(services: Services, token: string | undefined): Promise<SessionState | undefined> {
  if (!token) return undefined;
  const found = await findSignedInSession(services.db, token);
  if (!found || found.session.createdAt + services.config.tokens.sessionTtl < services.now()) return undefined;
  const { session, user, events, factors } = found;
  if (user.disabled) return undefined;
  // A credential is stored with its factor, confirmed, in one transaction
  // (and goes with it): no confirmed WebAuthn factor, no credential to read.
  const credentials = factors.some((factor) => factor.method === 'webauthn') ? await listWebauthnCredentials(services.db, user.id) : [];
  return { token, session, user, events, factors, credentials, enrolled: enrolledAuthenticators(user, factors, credentials) };
}

/**
 * The state after an authentication event was added to its session, as a
 * reload would read it, without reading it again: the event placed among
 * the others by time (after those of the same second, as its sequence
 * number places it), and the user's preferred method when it changed.
 * Factors and credentials are those read at the start of the request, so
 * use this only after a verification that does not change which
 * authenticators the user has (a TOTP code, a sent code); events other
 * requests added meanwhile are left out, which only ever asks for more.
 *
 * @param state - the state the event was verified in
 * @param event - the event just recorded in `state.session`
 * @param preferredMethod - the user's preferred method now
 * @example
 * ```ts
 * await addAuthEvent(services.db, state.session.id, state.user.id, event);
 * const next = withEvent(state, event, 'totp');
 * ```
 */
export function withEvent(state: SessionState, event: AuthenticationEvent, preferredMethod = state.user.preferredMethod): SessionState {
  const at = state.events.findIndex((earlier) => earlier.at > event.at);
  const events = at === -1 ? [...state.events, event] : [...state.events.slice(0, at), event, ...state.events.slice(at)];
  const user = preferredMethod === state.user.preferredMethod ? state.user : { ...state.user, preferredMethod };
  return { ...state, user, events };
}

/**
 * Ends the session behind a cookie value, if any, and records it.
 *
 * @param services - shared services
 * @param token - the session cookie's value
 * @param origin - where the request came from, for the audit log
 */
export async function revokeSessionByToken(services: Services, token: string, origin: AuditOrigin = {}): Promise<void> {
  const session = await findSessionByToken(services.db, token);
  if (!session) return;
  await revokeSession(services.db, session.id, services.now());
  await recordSessionRevoked(services, { subject: session.userId, sessionId: session.id, via: 'oidc_logout', ...origin });
}
