// Threat: an attacker sends what no form would: over-long fields, missing or
// doubled fields, objects where strings belong, JSON or plain text to form
// routes, huge bodies, made-up interaction ids, garbage cookies and bad
// query parameters, looking for a crash (a 5xx, a stack trace, a hung
// worker) or an answer that differs in a way worth probing. Every answer is
// a 4xx with a stable code: JSON `{ error }` for scripts, a page with
// data-error-code for browsers. The server keeps answering afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RelyingParty, RP_REDIRECT_URI, startTestServer, type TestServer } from './support/harness.js';
import { DEMO } from './support/threat-kit.js';

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST';
  readonly url: string;
  /** A form body; arrays repeat the field. */
  readonly form?: Record<string, string | readonly string[]>;
  /** A raw body, with its content type. */
  readonly raw?: { contentType: string; body: string };
  /** Sends a valid CSRF cookie and token (raw bodies must then be form-encoded), so the case reaches the handler. */
  readonly csrf?: boolean;
  readonly status: number;
  readonly code: string;
}

const long = (length: number) => 'a'.repeat(length);
const UID = 'unknownInteractionUid0123';

const CASES: readonly Case[] = [
  { name: 'an over-long username', url: '/login', form: { username: long(257), password: 'x' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long password', url: '/login', form: { username: 'demo', password: long(1025) }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long code at /step-up', url: '/step-up/totp', form: { code: '1'.repeat(17) }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long code in an interaction', url: `/interaction/${UID}/totp`, form: { code: '1'.repeat(17) }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a missing password', url: '/login', form: { username: 'demo' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a missing factor_id', url: '/account/totp', form: { code: '123456' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'no body at all', method: 'POST', url: '/login', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a username sent twice', url: '/login', form: { username: ['demo', 'root'], password: 'x' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an object where a string belongs (JSON)', url: '/login', raw: { contentType: 'application/json', body: '{"username":{"$gt":""},"password":"x"}' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a well-formed JSON body to a form route', url: '/login', raw: { contentType: 'application/json', body: JSON.stringify(DEMO) }, status: 403, code: 'ERR_CSRF' },
  { name: 'malformed JSON', url: '/login', raw: { contentType: 'application/json', body: '{"username":' }, status: 400, code: 'ERR_BAD_REQUEST' },
  { name: 'a plain-text body', url: '/login', raw: { contentType: 'text/plain', body: 'username=demo' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unsupported content type', url: '/login', raw: { contentType: 'application/xml', body: '<username>demo</username>' }, status: 415, code: 'ERR_BAD_REQUEST' },
  { name: 'a 200 kB body', url: '/login', form: { username: 'demo', password: 'x', filler: long(200_000) }, status: 413, code: 'ERR_BAD_REQUEST' },
  { name: 'a NUL byte in the username', url: '/login', form: { username: 'de\u0000mo', password: 'x' }, csrf: true, status: 401, code: 'ERR_INVALID_CREDENTIALS' },
  { name: 'invalid UTF-8 in the password', url: '/login', raw: { contentType: 'application/x-www-form-urlencoded', body: 'username=demo&password=%ED%A0%80%FF' }, csrf: true, status: 401, code: 'ERR_INVALID_CREDENTIALS' },
  { name: 'an unknown interaction uid', url: `/interaction/${UID}`, status: 400, code: 'ERR_INTERACTION_EXPIRED' },
  { name: 'a password posted to an unknown interaction', url: `/interaction/${UID}/password`, form: { ...DEMO }, csrf: true, status: 400, code: 'ERR_INTERACTION_EXPIRED' },
  { name: 'abort of an unknown interaction', url: `/interaction/${UID}/abort`, status: 400, code: 'ERR_INTERACTION_EXPIRED' },
  { name: 'an interaction uid with forbidden characters', url: '/interaction/bad%20uid!', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long interaction uid', url: `/interaction/${long(65)}`, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long factor id', url: `/account/factors/${long(65)}/remove`, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a removal without a session', url: '/account/factors/some-id/remove', form: {}, csrf: true, status: 401, code: 'ERR_SESSION_REQUIRED' },
  { name: 'an over-long return_to', url: `/login?return_to=/${long(600)}`, status: 400, code: 'ERR_VALIDATION' },
  { name: 'return_to given twice', url: '/login?return_to=/account&return_to=/', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long notice key', url: `/account?done=${long(40)}`, status: 400, code: 'ERR_VALIDATION' },
  // This server's issuer is an IP address, where browsers refuse WebAuthn (see webauthn-malformed.test.ts for the rest).
  { name: 'a passkey answer on a server without passkeys', url: '/login/passkey', form: { ceremony_id: 'c', response: '{}' }, csrf: true, status: 400, code: 'ERR_WEBAUTHN_UNAVAILABLE' },
  { name: 'an over-long passkey answer', url: '/login/passkey', form: { ceremony_id: 'c', response: long(40_000) }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a passkey answer without a ceremony', url: '/login/passkey', form: { response: '{}' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a code sent for an unknown channel', url: `/interaction/${UID}/code`, form: { code: '123456', method: 'carrier_pigeon' }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long recovery code', url: '/step-up/recovery-code', form: { code: long(65) }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown kind of authenticator', url: '/account/webauthn?kind=floppy', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown contact channel', url: '/account/contacts?channel=fax', status: 400, code: 'ERR_VALIDATION' },
  { name: 'adding an email address without a session', url: '/account/contacts', form: { channel: 'email', destination: 'a@b.test' }, csrf: true, status: 401, code: 'ERR_SESSION_REQUIRED' },
  { name: 'an unknown path', url: '/wp-admin/setup.php', status: 404, code: 'ERR_NOT_FOUND' },
];

function encodeForm(form: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) params.append(name, item);
  return params.toString();
}

describe('malformed input', () => {
  let server: TestServer;
  let csrf = { cookie: '', token: '' };

  before(async () => {
    server = await startTestServer();
    const page = await server.server.app.inject({ url: '/login', headers: { accept: 'text/html' } });
    const cookie = [page.headers['set-cookie']].flat().find((line) => line?.startsWith('stepwise_csrf='));
    csrf = { cookie: cookie!.split(';')[0]!, token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
  });
  after(async () => server.destroy());

  function inject(entry: Case, accept: string) {
    const headers: Record<string, string> = { accept };
    let payload: string | undefined;
    if (entry.raw) {
      headers['content-type'] = entry.raw.contentType;
      payload = entry.csrf ? `${entry.raw.body}&_csrf=${encodeURIComponent(csrf.token)}` : entry.raw.body;
    } else if (entry.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = encodeForm(entry.csrf ? { ...entry.form, _csrf: csrf.token } : entry.form);
    }
    if (entry.csrf) headers.cookie = csrf.cookie;
    const method = entry.method ?? (payload === undefined ? 'GET' : 'POST');
    return server.server.app.inject({ method, url: entry.url, headers, ...(payload === undefined ? {} : { payload }) });
  }

  for (const entry of CASES) {
    test(`${entry.name}: ${entry.status} ${entry.code} in JSON`, async () => {
      const answer = await inject(entry, 'application/json');
      assert.equal(answer.statusCode, entry.status, answer.body.slice(0, 300));
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.equal((answer.json() as { error?: string }).error, entry.code);
    });
  }

  test('a browser gets the same status and a page naming the code in data-error-code', async () => {
    const mismatches: string[] = [];
    for (const entry of CASES) {
      const answer = await inject(entry, 'text/html,application/xhtml+xml');
      const shown = /data-error-code="([^"]+)"/.exec(answer.body)?.[1];
      const html = String(answer.headers['content-type']).startsWith('text/html');
      if (answer.statusCode !== entry.status || !html || shown !== entry.code) {
        mismatches.push(`${entry.name}: ${answer.statusCode} ${html ? 'html' : String(answer.headers['content-type'])} data-error-code=${shown ?? '(none)'}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test('garbage cookies: pages send to sign-in, posts are refused with ERR_CSRF', async () => {
    const garbage = ['stepwise_session=%E0%A4%A', `stepwise_session=${long(5000)}`, 'stepwise_session=";,;"; stepwise_csrf=%00', '=; ==; stepwise_session', 'stepwise_csrf=garbage; _session=x; _session.sig=y'];
    for (const cookie of garbage) {
      const account = await server.server.app.inject({ url: '/account', headers: { cookie, accept: 'application/json' } });
      assert.equal(account.statusCode, 303, cookie);
      assert.match(String(account.headers.location), /^\/login\?return_to=/, cookie);
      const logout = await server.server.app.inject({
        method: 'POST', url: '/logout', payload: '_csrf=garbage',
        headers: { cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(logout.statusCode, 403, cookie);
      assert.equal((logout.json() as { error: string }).error, 'ERR_CSRF', cookie);
    }
  });

  test('bad authorization parameters are refused to the client, never with a 5xx', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    const refusals: Record<string, string>[] = [{ max_age: '-1' }, { max_age: 'soon' }, { claims: '{not json' }, { prompt: 'bogus' }, { code_challenge_method: 'plain' }];
    for (const params of refusals) {
      const url = new URL((await rp.authorize(params)).url);
      const answer = await server.server.app.inject({ url: `${url.pathname}${url.search}`, headers: { accept: 'text/html' } });
      const location = String(answer.headers.location ?? '');
      assert.equal(answer.statusCode, 303, `${JSON.stringify(params)}: ${answer.statusCode}`);
      assert.ok(location.startsWith(`${RP_REDIRECT_URI}?`) && new URL(location).searchParams.has('error'), `${JSON.stringify(params)}: ${location}`);
    }
    const url = new URL((await rp.authorize({ redirect_uri: 'https://evil.example/callback' })).url);
    const unregistered = await server.server.app.inject({ url: `${url.pathname}${url.search}`, headers: { accept: 'text/html' } });
    assert.equal(unregistered.statusCode, 400, 'an unregistered redirect_uri gets an error page, not a redirect');
    assert.equal(unregistered.headers.location, undefined);
  });

  test('the server still answers afterwards, over a real socket too', async () => {
    const huge = await fetch(`${server.issuer}/login`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: `username=${long(1_000_000)}`,
    });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { error: string }).error, 'ERR_BAD_REQUEST');
    const health = await fetch(`${server.issuer}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
  });
});
