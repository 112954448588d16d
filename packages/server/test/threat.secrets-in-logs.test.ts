// Threat: secrets in the logs. The attacker reads the server's logs (a log
// shipper, a shared dashboard, a support engineer's laptop, a leaked
// bucket) and looks for anything that lets them act as a user or as a
// backend: a password, a TOTP code or the TOTP secret, an OAuth code or its
// PKCE verifier, an ID, access or refresh token, a step-up receipt, a
// decision API key, a session or CSRF cookie. A real server logging at
// `trace` through the real redaction is driven through every place those
// pass: a password sign-in (and a wrong password), TOTP enrollment, an
// OpenID Connect code flow with its token exchange and a refresh, decision
// API calls with a good and a bad API key, a wrong and a right TOTP code at
// a challenge, and URLs that carry codes and tokens in their query (a
// misdirected /callback, /session/end with id_token_hint). No captured line
// may hold any of them. (The development outbox logs the codes it "sends"
// on purpose; nothing here sends one.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { apiKeys, epochSeconds } from '../src/index.js';
import { SESSION_COOKIE } from '../src/flows/session-state.js';
import { LOG_REDACT } from '../src/server.js';
import { formOf } from './support/browser.js';
import { callApi, ISSUE_POLICY } from './support/decision-kit.js';
import { browserFor, RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { addUser, enrollTotp, send, signIn, stepWithMargin, wrongCodes } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly req?: { readonly url?: string };
}

describe('threat: secrets in the logs', () => {
  const lines: string[] = [];
  /** What must never be logged, by what it is. */
  const secrets = new Map<string, string>();
  let server: TestServer;

  before(async () => {
    // Built as createServer builds its own, only writing to an array, at the most talkative level.
    const logger = pino({ level: 'trace', redact: LOG_REDACT }, { write: (line: string) => void lines.push(line) });
    server = await startTestServer({ logger, overrides: { policy: ISSUE_POLICY } });
    const { issuer } = server;
    const credentials = { username: 'logan', password: `correct horse ${randomBytes(9).toString('base64url')}` };
    secrets.set('password', credentials.password);
    const subject = await addUser(server, credentials);

    const wrongPassword = `${credentials.password}!`;
    secrets.set('wrong password', wrongPassword);
    const refused = browserFor(server);
    await refused.submit(await refused.go(`${issuer}/login?return_to=/account`), { username: credentials.username, password: wrongPassword }, '/login');

    const { browser, csrf } = await signIn(server, credentials);
    secrets.set('session cookie', browser.cookies.get(SESSION_COOKIE) ?? '');
    secrets.set('CSRF token', csrf);
    const totp = await enrollTotp(browser, issuer, await stepWithMargin(25));
    secrets.set('TOTP secret', totp.secret);
    secrets.set('TOTP enrollment code', totpForStep(totp.secret, totp.step));

    // OpenID Connect: authorization code with PKCE, token exchange, refresh.
    const rp = await RelyingParty.discover(issuer);
    const request = await rp.authorize();
    const other = browserFor(server);
    const landing = await other.submit(await other.go(request.url), { ...credentials }, '/password');
    const callback = new URL(landing.url);
    secrets.set('authorization code', callback.searchParams.get('code') ?? '');
    secrets.set('state', request.state);
    secrets.set('PKCE verifier', request.verifier);
    const tokens = await rp.callback(landing, request);
    secrets.set('ID token', tokens.id_token ?? '');
    secrets.set('access token', tokens.access_token);
    secrets.set('refresh token', tokens.refresh_token ?? '');
    const refreshed = await rp.refresh(tokens.refresh_token!);
    secrets.set('refreshed access token', refreshed.access_token);
    secrets.set('second refresh token', refreshed.refresh_token ?? '');

    // The decision API: an API key, a wrong one, a challenge answered wrong then right.
    const created = await apiKeys.createApiKey(server.server.database.db, { name: 'bank-backend', returnTo: ['http://127.0.0.1:9/stepped-up'] }, epochSeconds());
    secrets.set('API key', created.key);
    secrets.set('API key secret', created.key.split('_').slice(2).join('_'));
    const forged = `${created.key.slice(0, -6)}AAAAAA`;
    secrets.set('forged API key', forged);
    assert.equal((await callApi(server, '/v1/decisions', { key: forged, body: { subject, action: 'transfer.create', resource: { amount: 5 } } })).status, 401);
    const decided = await callApi(server, '/v1/decisions', {
      key: created.key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, token: tokens.id_token },
    });
    assert.equal(decided.body.decision, 'step_up', JSON.stringify(decided.body));
    const challengeId = (decided.body.challenge as { id: string }).id;
    const wrongCode = wrongCodes(totp.secret, 1)[0]!;
    secrets.set('wrong TOTP code', wrongCode);
    await callApi(server, `/v1/challenges/${challengeId}/verify`, { key: created.key, body: { method: 'totp', code: wrongCode } });
    const stepUpCode = totpForStep(totp.secret, totp.step + 1);
    secrets.set('step-up TOTP code', stepUpCode);
    const done = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key: created.key, body: { method: 'totp', code: stepUpCode } });
    assert.equal(done.body.state, 'satisfied', JSON.stringify(done.body));
    secrets.set('receipt', String(done.body.receipt));

    // Secrets in URLs: a relying party misconfigured to come back to the issuer, logout with a hint, a token in a query.
    await send(`${issuer}/callback?code=${secrets.get('authorization code')}&state=${request.state}`);
    await send(`${issuer}/session/end?id_token_hint=${tokens.id_token}&state=${request.state}`, { browser: other, accept: 'text/html' });
    await send(`${issuer}/.well-known/openid-configuration?access_token=${tokens.access_token}`);
    // Secrets in a form that fails validation: the error is logged, the body is not.
    const fresh = browserFor(server);
    const loginForm = formOf(await fresh.go(`${issuer}/login`), '/login');
    const invalid = await send(`${issuer}/login`, { browser: fresh, form: { _csrf: loginForm.fields._csrf ?? '', username: 'x'.repeat(5000), password: credentials.password } });
    assert.equal(invalid.status, 400);

    await server.server.services.audit.flush();
    for (const [name, value] of secrets) assert.ok(value.length >= 6, `the ${name} was captured by the test`);
  });
  after(async () => server?.destroy());

  test('the server logged the requests (the check below is not vacuous)', () => {
    const parsed = lines.map((line) => JSON.parse(line) as LogLine);
    assert.ok(parsed.filter((line) => line.msg === 'incoming request').length > 20, 'request lines were captured');
    const callback = parsed.find((line) => line.req?.url?.startsWith('/callback?'));
    assert.equal(callback?.req?.url, '/callback?code=[Redacted]&state=[Redacted]');
    const logout = parsed.find((line) => line.req?.url?.startsWith('/session/end?'));
    assert.equal(logout?.req?.url, '/session/end?id_token_hint=[Redacted]&state=[Redacted]');
    const token = parsed.find((line) => line.req?.url === '/token');
    assert.ok(token, 'the token exchange was logged');
  });

  test('no line holds a password, a code, a token, a receipt, an API key or a cookie', () => {
    for (const [name, value] of secrets) {
      // Six-digit codes as whole words: the digits of a timestamp are no leak.
      const pattern = /^\d+$/.test(value) ? new RegExp(`(?<![\\d.])${value}(?!\\d)`) : undefined;
      const leaking = lines.find((line) => (pattern ? pattern.test(line) : line.includes(value)));
      assert.equal(leaking, undefined, `the ${name} is in a log line`);
    }
  });

  test('no line holds anything shaped like a JWT or a Stepwise API key', () => {
    for (const line of lines) {
      assert.doesNotMatch(line, JWT);
      assert.doesNotMatch(line, /sw_[a-z0-9]{16}_/);
    }
  });
});
