import '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadSessionState, SESSION_COOKIE, type SessionState } from '../flows/session-state.js';
import { recordAuthentication, verifyPasswordSignIn, type SignInContext } from '../flows/sign-in.js';
import type { Services } from '../services.js';
import type { User } from '../storage/users.js';
import type { AuthenticationEvent } from '@stepwise/core';
import { signInEvent } from '../audit/events.js';
import { ensureDeviceId } from './device-cookie.js';

/**
 * Sets the first-party session cookie: HttpOnly, SameSite=Lax (it must ride
 * along on the top-level redirect back from an application), Secure
 * whenever the issuer allows it.
 *
 * @param reply - the reply
 * @param services - shared services
 * @param token - the session token
 */
export function setSessionCookie(reply: FastifyReply, services: Services, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.cookieSecure,
    maxAge: services.config.tokens.sessionTtl,
  });
}

/**
 * Removes the session cookie.
 *
 * @param reply - the reply
 * @param services - shared services
 */
export function clearSessionCookie(reply: FastifyReply, services: Services): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: services.config.cookieSecure });
}

/**
 * The signed-in session of this request, if any.
 *
 * @param request - the request
 * @param services - shared services
 */
export function currentSession(request: FastifyRequest, services: Services): Promise<SessionState | undefined> {
  return loadSessionState(services, request.cookies[SESSION_COOKIE]);
}

/**
 * Client IP and user agent, as recorded with a session.
 *
 * @param request - the request
 */
export function signInContext(request: FastifyRequest): SignInContext {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, 512) ?? null };
}

/**
 * A same-site path to return to after sign-in, never an absolute or
 * protocol-relative URL (no open redirect).
 *
 * @param value - the `return_to` parameter
 * @param fallback - where to go when it is absent or unsafe
 */
export function safeReturnTo(value: unknown, fallback = '/account'): string {
  // Browsers drop tabs and newlines from URLs ("/\t/evil" becomes "//evil"), so
  // any control character, space or backslash makes the value unsafe.
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[\\\s\p{Cc}]/u.test(value) || value.length > 512) {
    return fallback;
  }
  return value;
}

/**
 * Signs in with a password: verifies it, records the event in the browser's
 * session when it belongs to the same user (a re-authentication) or in a
 * new one, and sets the cookie for a new session.
 *
 * @param request - the request (client IP, user agent)
 * @param reply - the reply (session cookie)
 * @param services - shared services
 * @param existing - the browser's current session, if any
 * @param credentials - the typed username and password
 * @returns the session token now in use and when the password was verified
 * @throws what {@link verifyPasswordSignIn} throws
 */
export async function signInWithPassword(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  existing: SessionState | undefined,
  credentials: { username: string; password: string },
): Promise<{ token: string; at: number }> {
  const user = await verifyPasswordSignIn(services, { ...credentials, ip: request.ip });
  const event = { method: 'password' as const, at: services.now() };
  return { token: await signInWithEvent(request, reply, services, existing, user, event), at: event.at };
}

/**
 * Records a first-factor sign-in (a password, a passkey): in the browser's
 * session when it belongs to the same user (a re-authentication), else in a
 * new session whose cookie is set. The sign-in also goes into the user's
 * risk history, with the device cookie (issued when absent). The event, the
 * history and the `sign_in` audit event commit in one transaction: all of
 * them or none.
 *
 * @param request - the request (client IP, user agent)
 * @param reply - the reply (session cookie)
 * @param services - shared services
 * @param existing - the browser's current session, if any
 * @param user - who signed in
 * @param event - how
 * @returns the session token now in use
 */
export async function signInWithEvent(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  existing: SessionState | undefined,
  user: User,
  event: AuthenticationEvent,
): Promise<string> {
  const sameUser = existing?.user.id === user.id;
  const context = signInContext(request);
  const { ip, userAgent } = context;
  const deviceId = ensureDeviceId(request, reply, services);
  let newToken: string | undefined;
  await services.audit.recordWith(signInEvent({ userId: user.id, event, ip, device: deviceId }), async (trx) => {
    ({ newToken } = await recordAuthentication(services, {
      user, event, sessionId: sameUser ? existing.session.id : undefined, context, db: trx,
    }));
    await services.risk.recordSignIn({
      userId: user.id, ip: ip ?? undefined, userAgent: userAgent ?? undefined, deviceId, time: event.at, succeeded: true,
    }, trx);
    return true;
  });
  if (newToken) setSessionCookie(reply, services, newToken);
  return newToken ?? existing!.token;
}
