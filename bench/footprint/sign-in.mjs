// A password sign-in the way a browser makes it on Stepwise's own page, for
// the footprint benchmark's memory run (bench/signins/sign-in.mjs also
// answers the step-up, which this run leaves out):
//
//   POST /login?return_to=/account   username, password, _csrf   → 303 /account, session cookie
//
// The browser (its CSRF cookie and token) comes from signins' openBrowser;
// each sign-in sends its user's own X-Forwarded-For address and no session
// or device cookie, so every one starts a new session.

import { exchange, RETURN_TO } from '../signins/sign-in.mjs';
import { BENCH_PASSWORD, clientAddress } from '../signins/users.mjs';

const CSRF_COOKIE = 'stepwise_csrf';
const SESSION_COOKIE = 'stepwise_session';

function sessionFrom(headers) {
  const line = (headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  return line?.split(';')[0].slice(SESSION_COOKIE.length + 1) || undefined;
}

/**
 * Signs one user in with their password. Resolves the answer and the new
 * session (if any); checking them is the caller's (see {@link signedIn}).
 *
 * @param {{ agent: http.Agent, baseUrl: string, csrfToken: string, csrfCookie: string }} browser - from openBrowser
 * @param {{ index: number, username: string }} user - from seedUsers
 * @param {{ password?: string }} [override] - a wrong password, for the checks
 * @returns {Promise<{ status: number, location?: string, session?: string, body: string }>}
 * @example
 * const answer = await signInWithPassword(await openBrowser(agent, url), user);
 * if (!signedIn(answer)) throw new Error(`refused: ${answer.status}`);
 */
export async function signInWithPassword(browser, user, override = {}) {
  const answer = await exchange(browser.agent, `${browser.baseUrl}/login?return_to=${encodeURIComponent(RETURN_TO)}`, {
    method: 'POST',
    headers: { 'x-forwarded-for': clientAddress(user.index), 'user-agent': 'stepwise-bench', cookie: `${CSRF_COOKIE}=${browser.csrfCookie}` },
    form: { username: user.username, password: override.password ?? BENCH_PASSWORD, _csrf: browser.csrfToken },
  });
  return { status: answer.status, location: answer.headers.location, session: sessionFrom(answer.headers), body: answer.body };
}

/**
 * Whether an answer is the 303 to return_to, with a session, of a completed sign-in.
 *
 * @param {{ status: number, location?: string, session?: string }} answer - from signInWithPassword
 * @example
 * signedIn({ status: 303, location: '/account', session: 'abc' }); // true
 */
export function signedIn({ status, location, session }) {
  return status === 303 && location === RETURN_TO && session !== undefined;
}
