import type { AuthenticationEvent, EnrolledAuthenticator } from '@stepwise/core';
import { recordSessionRevoked, type AuditOrigin } from '../audit/events.js';
import type { Services } from '../services.js';
import { listFactors, type Factor } from '../storage/factors.js';
import { findSessionByToken, listAuthEvents, revokeSession, type SessionRecord } from '../storage/sessions.js';
import { findUserById, type User } from '../storage/users.js';
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
  const session = await findSessionByToken(services.db, token);
  if (!session || session.createdAt + services.config.tokens.sessionTtl < services.now()) return undefined;
  const user = await findUserById(services.db, session.userId);
  if (!user || user.disabled) return undefined;
  const [events, factors, credentials] = await Promise.all([
    listAuthEvents(services.db, session.id),
    listFactors(services.db, user.id, { confirmedOnly: true }),
    listWebauthnCredentials(services.db, user.id),
  ]);
  return { token, session, user, events, factors, credentials, enrolled: enrolledAuthenticators(user, factors, credentials) };
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
