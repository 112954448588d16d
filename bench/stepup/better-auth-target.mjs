// Baseline B's row of the step-up benchmark: what is prepared before a
// measurement (email and password sign-ins, each answered
// `twoFactorRedirect` with a signed `better-auth.two_factor` cookie that
// names a pending two-factor state), the measured request (`POST
// /api/auth/two-factor/verify-totp` with that cookie and the user's code,
// which consumes the pending state and opens a session) and the checks.

import { totpCodeAt } from '../../packages/server/dist/src/index.js';
import { BETTER_AUTH_ORIGIN, BETTER_AUTH_PASSWORD } from './better-auth-server.mjs';
import { inParallel, send } from '../lib/http.mjs';

const PREPARE_CONCURRENCY = 32;
const BASE = '/api/auth';
const SESSION_COOKIE = 'better-auth.session_token=';
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as authenticator apps take secrets. */
function base32(bytes) {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + BASE32_ALPHABET[(value << (5 - bits)) & 31] : out;
}

/**
 * The better-auth target over a started server.
 *
 * @param {{ url: string, setup: { users: Array<{ email: string, secret: string }> } }} server
 * @returns {Promise<import('./load.mjs').Target>}
 */
export async function betterAuthTarget({ url, setup }) {
  // better-auth keys its HMAC with the secret's UTF-8 bytes; authenticator apps take them in base32.
  const users = setup.users.map((user) => ({ ...user, base32: base32(Buffer.from(user.secret, 'utf8')) }));
  const jsonHeaders = { 'content-type': 'application/json', origin: BETTER_AUTH_ORIGIN };
  const pending = [];
  let cursor = 0;

  async function signIn(user) {
    const answer = await send(`${url}${BASE}/sign-in/email`, { headers: jsonHeaders, body: JSON.stringify({ email: user.email, password: BETTER_AUTH_PASSWORD }) });
    const cookie = answer.cookies.find((pair) => pair.startsWith('better-auth.two_factor=') && pair.length > 'better-auth.two_factor='.length);
    if (answer.status !== 200 || answer.json?.twoFactorRedirect !== true || !answer.json.twoFactorMethods?.includes('totp') || !cookie) {
      throw new Error(`better-auth: a sign-in of ${user.email} was to answer twoFactorRedirect with a two_factor cookie, got ${answer.status} ${answer.text}`);
    }
    return { user, cookie };
  }

  const verify = (item, code) => send(`${url}${BASE}/two-factor/verify-totp`, { headers: { ...jsonHeaders, cookie: item.cookie }, body: JSON.stringify({ code }) });

  return {
    path: () => `${BASE}/two-factor/verify-totp`,
    request: (item) => ({ headers: { ...jsonHeaders, cookie: item.cookie }, body: JSON.stringify({ code: totpCodeAt(item.user.base32, Date.now()) }) }),
    async prepare(count) {
      await inParallel(count, PREPARE_CONCURRENCY, async () => {
        const user = users[cursor];
        cursor = (cursor + 1) % users.length;
        pending.push(await signIn(user));
      });
    },
    available: () => pending.length,
    draw: () => pending.shift(),
    answered: (text, headers) => text.startsWith('{"token":"') && String(headers['set-cookie'] ?? '').includes(SESSION_COOKIE),
    async verifyAnswer(item, text) {
      const json = JSON.parse(text);
      if (json.user?.email !== item.user.email || typeof json.token !== 'string') throw new Error(`better-auth: the answer for ${item.user.email} names another user: ${text}`);
    },
    async check() {
      const failures = [];
      const item = await signIn(users[0]);
      const wrong = await verify(item, totpCodeAt(item.user.base32, Date.now()) === '000000' ? '111111' : '000000');
      if (wrong.status !== 401) failures.push(`a wrong code: expected 401, got ${wrong.status} ${wrong.text}`);
      const answer = await verify(item, totpCodeAt(item.user.base32, Date.now()));
      const session = answer.cookies.find((pair) => pair.startsWith(SESSION_COOKIE));
      if (answer.status !== 200 || answer.json?.user?.email !== item.user.email || !session) failures.push(`completion: expected 200 with the user and a session cookie, got ${answer.status} ${answer.text}`);
      const read = await send(`${url}${BASE}/get-session`, { method: 'GET', headers: { cookie: session ?? '' } });
      if (read.status !== 200 || read.json?.user?.email !== item.user.email) failures.push(`the new session: expected get-session to name the user, got ${read.status} ${read.text}`);
      const again = await verify(item, totpCodeAt(item.user.base32, Date.now()));
      if (again.status !== 401) failures.push(`the same pending sign-in again: expected 401, got ${again.status} ${again.text}`);
      return failures;
    },
  };
}
