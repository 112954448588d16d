// Steps the threat tests share: sign in, enroll an authenticator app, age a
// session's events, and send requests the way an attacker would (any Accept,
// any body, cookies replayed but never updated).
import { createHash } from 'node:crypto';
import type { AuthenticationEvent } from '@stepwise/core';
import { DEMO_USER, hashPassword, users } from '../../src/index.js';
import { SESSION_COOKIE } from '../../src/flows/session-state.js';
import { listFactors } from '../../src/storage/factors.js';
import { addAuthEvent } from '../../src/storage/auth-events.js';
import { formOf, type Browser, type Page } from './browser.js';
import { browserFor, typedSecretOf, type TestServer } from './harness.js';
import { currentStep, totpForStep } from './totp-reference.js';

/** A username and password. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The demo account every test server has. */
export const DEMO: Credentials = { username: DEMO_USER.username, password: DEMO_USER.password };

/** Creates an account with a password; returns its id. */
export async function addUser(server: TestServer, credentials: Credentials): Promise<string> {
  const user = await users.createUser(server.server.database.db, {
    username: credentials.username,
    passwordHash: await hashPassword(credentials.password),
  });
  return user.id;
}

/** The id of an existing account. */
export async function userIdOf(server: TestServer, username: string): Promise<string> {
  const user = await users.findUserByUsername(server.server.database.db, username);
  if (!user) throw new Error(`no user ${username}`);
  return user.id;
}

/** A browser signed in with the password only, at /login; `csrf` is a token valid for its CSRF cookie. */
export async function signIn(server: TestServer, credentials: Credentials = DEMO): Promise<{ browser: Browser; page: Page; csrf: string }> {
  const browser = browserFor(server);
  const form = await browser.go(`${server.issuer}/login?return_to=/account`);
  const csrf = formOf(form, '/login').fields._csrf ?? '';
  const page = await browser.submit(form, { ...credentials }, '/login');
  if (page.status !== 200 || !page.url.endsWith('/account')) {
    throw new Error(`sign-in as ${credentials.username} failed: ${page.status} ${page.url}\n${page.body.slice(0, 1500)}`);
  }
  return { browser, page, csrf };
}

/** An authenticator app enrolled on the account page, and the time step its confirming code was for. */
export interface Enrolled {
  readonly secret: string;
  readonly factorId: string;
  readonly step: number;
}

/**
 * Adds an authenticator app on /account/totp, confirming with the code of
 * `step` (the current one by default). The session gains a fresh TOTP event.
 */
export async function enrollTotp(browser: Browser, issuer: string, step = currentStep()): Promise<Enrolled> {
  const page = await browser.go(`${issuer}/account/totp`);
  const secret = typedSecretOf(page);
  const factorId = formOf(page, '/account/totp').fields.factor_id ?? '';
  const landing = await browser.submit(page, { code: totpForStep(secret, step) }, '/account/totp');
  if (!landing.url.includes('done=totp-added')) {
    throw new Error(`enrollment failed: ${landing.status} ${landing.url}\n${landing.body.slice(0, 1500)}`);
  }
  return { secret, factorId, step };
}

/**
 * The current time step, after waiting if fewer than `secondsLeft` remain
 * in it, so a test that must finish inside one step does not straddle two.
 */
export async function stepWithMargin(secondsLeft = 10): Promise<number> {
  const intoStep = (Date.now() / 1000) % 30;
  if (30 - intoStep < secondsLeft) await new Promise((resolve) => setTimeout(resolve, (30 - intoStep + 0.2) * 1000));
  return currentStep();
}

/** Codes wrong for every step within ±2 of now, all different. */
export function wrongCodes(secret: string, count: number): string[] {
  const step = currentStep();
  const valid = new Set([-2, -1, 0, 1, 2].map((delta) => totpForStep(secret, step + delta)));
  const codes: string[] = [];
  for (let candidate = 100_000; codes.length < count; candidate += 7_919) {
    const code = String(candidate % 1_000_000).padStart(6, '0');
    if (!valid.has(code) && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

/** The database id of a browser's session: the SHA-256 hex of its session cookie. */
export function sessionIdOf(browser: Browser): string {
  const token = browser.cookies.get(SESSION_COOKIE);
  if (!token) throw new Error('the browser has no session cookie');
  return createHash('sha256').update(token).digest('hex');
}

/** Writes an authentication event into a browser's session as if it happened `secondsAgo`. */
export async function addPastEvent(
  server: TestServer,
  browser: Browser,
  userId: string,
  event: Omit<AuthenticationEvent, 'at'> & { secondsAgo: number },
): Promise<void> {
  const { secondsAgo, ...rest } = event;
  await addAuthEvent(server.server.database.db, sessionIdOf(browser), userId, { ...rest, at: server.server.services.now() - secondsAgo });
}

/** The ids of a user's confirmed factors, from the database. */
export async function confirmedFactorIds(server: TestServer, userId: string): Promise<string[]> {
  return (await listFactors(server.server.database.db, userId, { confirmedOnly: true })).map((factor) => factor.id);
}

/** A raw answer: status, headers and body text. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * One request with a browser's cookies (or none), no redirect following and
 * no cookie storage: what an attacker's script or a forged form sends.
 */
export async function send(
  url: string,
  init: { browser?: Browser; method?: string; form?: Record<string, string>; accept?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json', ...init.headers };
  if (init.browser && init.browser.cookies.size > 0) {
    headers.cookie = [...init.browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  let body = init.body;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The stable error code of an answer: `error` of a JSON body, or `data-error-code` of a page. */
export function errorCodeIn(answer: { headers: Headers; body: string }): string | undefined {
  if ((answer.headers.get('content-type') ?? '').includes('application/json')) {
    return (JSON.parse(answer.body) as { error?: string }).error;
  }
  return /data-error-code="([^"]+)"/.exec(answer.body)?.[1];
}
