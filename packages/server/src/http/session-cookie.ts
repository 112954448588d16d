import '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadSessionState, SESSION_COOKIE, type SessionState } from '../flows/session-state.js';
import type { SignInContext } from '../flows/sign-in.js';
import type { Services } from '../services.js';

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
