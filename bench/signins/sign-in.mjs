// One sign-in with step-up, the way a browser does it against Stepwise's own
// pages, and the closed-loop load that repeats it: `clients` virtual
// browsers, each signing in one user after another as fast as answers come.
//
//   POST /login?return_to=/account        username, password, _csrf   → 303 /account, session cookie
//   POST /step-up/totp?return_to=/account code (TOTP now), _csrf      → 303 /account
//
// Each browser fetches its CSRF cookie and token once (GET /login) and keeps
// them; the session and device cookies are dropped after each sign-in, so
// every sign-in starts a new session for a new user.

import http from 'node:http';
import { totpCodeAt } from '../../packages/server/dist/src/index.js';
import { percentile } from '../lib/stats.mjs';
import { BENCH_PASSWORD, clientAddress } from './users.mjs';

export const RETURN_TO = '/account';
const CSRF_COOKIE = 'stepwise_csrf';

/**
 * One HTTP exchange, the body read to the end; `form` is sent URL-encoded.
 *
 * @param {http.Agent} agent
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, form?: Record<string, string> }} request
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }>}
 */
export function exchange(agent, url, { method = 'GET', headers = {}, form }) {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method,
      agent,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }) },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function cookiesFrom(headers) {
  const cookies = {};
  for (const line of headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    cookies[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return cookies;
}

const cookieHeader = (jar) => Object.entries(jar).map(([name, value]) => `${name}=${value}`).join('; ');

/**
 * A virtual browser: its CSRF cookie and token, from one GET /login.
 *
 * @param {http.Agent} agent
 * @param {string} baseUrl
 */
export async function openBrowser(agent, baseUrl) {
  const page = await exchange(agent, `${baseUrl}/login`, {});
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  const cookie = cookiesFrom(page.headers)[CSRF_COOKIE];
  if (page.status !== 200 || !token || !cookie) throw new Error(`GET /login: expected 200 with a CSRF token and cookie, got ${page.status}`);
  return { agent, baseUrl, csrfToken: token, csrfCookie: cookie };
}

/**
 * Signs one user in with their password, then answers the step-up with the
 * TOTP code of now. Resolves the two answers; checking them is the caller's.
 *
 * @param {{ agent: http.Agent, baseUrl: string, csrfToken: string, csrfCookie: string }} browser
 * @param {{ index: number, username: string, secret: string }} user
 * @param {{ password?: string, code?: string }} [override] - a wrong answer, for the checks
 */
export async function signInWithStepUp(browser, user, override = {}) {
  const query = `?return_to=${encodeURIComponent(RETURN_TO)}`;
  const jar = { [CSRF_COOKIE]: browser.csrfCookie };
  const common = { 'x-forwarded-for': clientAddress(user.index), 'user-agent': 'stepwise-bench' };
  const login = await exchange(browser.agent, `${browser.baseUrl}/login${query}`, {
    method: 'POST',
    headers: { ...common, cookie: cookieHeader(jar) },
    form: { username: user.username, password: override.password ?? BENCH_PASSWORD, _csrf: browser.csrfToken },
  });
  if (login.status !== 303) return { login };
  Object.assign(jar, cookiesFrom(login.headers));
  const stepUp = await exchange(browser.agent, `${browser.baseUrl}/step-up/totp${query}`, {
    method: 'POST',
    headers: { ...common, cookie: cookieHeader(jar) },
    form: { code: override.code ?? totpCodeAt(user.secret, Date.now()), _csrf: browser.csrfToken },
  });
  return { login, stepUp, session: jar.stepwise_session };
}

/** Whether both answers are the 303s to return_to of a completed sign-in with step-up. */
export function completed({ login, stepUp }) {
  return login.status === 303 && login.headers.location === RETURN_TO && stepUp?.status === 303 && stepUp.headers.location === RETURN_TO;
}

function describe({ login, stepUp }) {
  if (login.status !== 303 || login.headers.location !== RETURN_TO) return `POST /login answered ${login.status} ${login.headers.location ?? ''} ${login.body.slice(0, 200)}`;
  return `POST /step-up/totp answered ${stepUp.status} ${stepUp.headers.location ?? ''} ${stepUp.body.slice(0, 200)}`;
}

/**
 * Closed-loop load: `clients` browsers sign users in back to back for the
 * warm-up and then the measured window. Any sign-in that does not complete
 * throws: a benchmark of refused sign-ins is worse than none.
 *
 * @param {{ label: string, baseUrl: string, clients: number, pool: ReturnType<import('./users.mjs').userPool>, warmupSeconds: number, durationSeconds: number, onMeasureStart?: () => void }} spec
 * @returns {Promise<{ rate: number, completed: number, p50: number, p99: number }>}
 *   rate: sign-ins completed within the measured window per second; p50/p99 in ms, a whole sign-in (both posts)
 */
export async function runSignInLoad({ label, baseUrl, clients, pool, warmupSeconds, durationSeconds, onMeasureStart }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  try {
    const browsers = await Promise.all(Array.from({ length: clients }, () => openBrowser(agent, baseUrl)));
    const startedAt = performance.now();
    const measureFrom = startedAt + warmupSeconds * 1000;
    const measureUntil = measureFrom + durationSeconds * 1000;
    const timer = setTimeout(() => onMeasureStart?.(), warmupSeconds * 1000);
    const latencies = [];
    const loop = async (browser) => {
      while (performance.now() < measureUntil) {
        const t0 = performance.now();
        const answers = await signInWithStepUp(browser, pool.next());
        const t1 = performance.now();
        if (!completed(answers)) throw new Error(`${label}: a sign-in did not complete: ${describe(answers)}`);
        if (t1 >= measureFrom && t1 <= measureUntil) latencies.push(t1 - t0);
      }
    };
    try {
      await Promise.all(browsers.map(loop));
    } finally {
      clearTimeout(timer);
    }
    latencies.sort((a, b) => a - b);
    return { rate: latencies.length / durationSeconds, completed: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    agent.destroy();
  }
}
