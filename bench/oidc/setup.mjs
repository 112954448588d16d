// What the OIDC benchmark's two servers share (the client, the user, the
// API the tokens are for) and how the load generator gets Stepwise's
// refresh token: a real authorization code flow over HTTP, signing in with
// the password on Stepwise's own pages as a browser would (a cookie jar,
// redirects followed by hand, the form's hidden fields), then the code
// exchange with PKCE and the client's secret.

import { createHash, randomBytes } from 'node:crypto';

/** The resource both servers issue JWT access tokens for (their audience). */
export const BENCH_API = 'https://api.bench.example/';

/** The confidential client registered on both servers. */
export const BENCH_CLIENT_ID = 'bench-backend';

/** Its redirect URI: another origin, so the sign-in stops there with the code. */
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** What the refresh token carries: offline_access so that it outlives the sign-in session on both. */
export const BENCH_SCOPE = 'openid profile offline_access';

/** The user signing in on Stepwise; the bare provider knows the same account. */
export const BENCH_USER = Object.freeze({ username: 'bench-user', password: 'correct horse battery staple', displayName: 'Bench User' });

/**
 * The HTTP Basic header of the bench client (client_secret_basic).
 *
 * @param {string} secret - the client secret
 * @returns {string}
 */
export function basicAuth(secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(BENCH_CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function decode(text) {
  return text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

/** The action and hidden fields of the first form whose action contains `actionPart`. */
function formOf(page, actionPart) {
  const form = [...page.body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((match) => decode(match[1]).includes(actionPart));
  if (!form) throw new Error(`no form with action containing "${actionPart}" on ${page.url} (status ${page.status}):\n${page.body.slice(0, 1500)}`);
  const fields = {};
  for (const input of form[2].matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = decode(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
  }
  return { action: new URL(decode(form[1]), page.url).href, fields };
}

/** A cookie jar that follows redirects on one origin and stops at any other. */
function browserOn(origin) {
  const cookies = new Map();
  async function request(url, form) {
    const headers = { accept: 'text/html' };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method: form ? 'POST' : 'GET', headers, body: form && new URLSearchParams(form), redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      const value = pair.slice(index + 1).trim();
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(pair.slice(0, index).trim());
      else cookies.set(pair.slice(0, index).trim(), value);
    }
    return response;
  }
  return async function go(url, form) {
    let current = url;
    let response = await request(url, form);
    for (let hops = 0; hops < 20; hops += 1) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      const next = new URL(location, current).href;
      await response.arrayBuffer();
      if (new URL(next).origin !== origin) return { url: next, status: response.status, body: '' };
      current = next;
      response = await request(next);
    }
    return { url: current, status: response.status, body: await response.text() };
  };
}

/**
 * Signs the bench user in on Stepwise with the password (authorization code
 * + PKCE, `resource` the bench API, `prompt=consent` so that offline_access
 * is kept) and exchanges the code: the tokens a confidential web app holds
 * after a real sign-in, its refresh token among them.
 *
 * @param {{ issuer: string, clientSecret: string }} setup - from the Stepwise child's setup.json
 * @returns {Promise<{ access_token: string, id_token: string, refresh_token: string, scope: string }>}
 * @example
 * const { refresh_token } = await signInForTokens(setup);
 */
export async function signInForTokens({ issuer, clientSecret }) {
  const go = browserOn(new URL(issuer).origin);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorization = new URL('/auth', issuer);
  authorization.search = new URLSearchParams({
    client_id: BENCH_CLIENT_ID, response_type: 'code', redirect_uri: BENCH_REDIRECT_URI, scope: BENCH_SCOPE, prompt: 'consent',
    resource: BENCH_API, state, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  const signInPage = await go(authorization.href);
  const form = formOf(signInPage, '/password');
  const landing = await go(form.action, { ...form.fields, username: BENCH_USER.username, password: BENCH_USER.password });
  const callback = new URL(landing.url);
  if (!landing.url.startsWith(BENCH_REDIRECT_URI) || callback.searchParams.get('state') !== state || !callback.searchParams.get('code')) {
    throw new Error(`the sign-in on Stepwise did not come back with a code: ${landing.status} ${landing.url}\n${landing.body.slice(0, 1500)}`);
  }
  const response = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { authorization: basicAuth(clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier }),
  });
  const tokens = await response.json();
  if (response.status !== 200 || typeof tokens.refresh_token !== 'string') throw new Error(`the code exchange on Stepwise failed: ${response.status} ${JSON.stringify(tokens)}`);
  return tokens;
}
