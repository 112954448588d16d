// The redaction every Stepwise logger uses, line by line: what a careless
// log call could hold (headers, bodies, nested objects, URLs, errors,
// messages, child bindings) comes out without its secrets, and what an
// operator needs (paths, parameter names, error codes, the auth scheme)
// stays readable. The logged objects themselves are never changed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import { LOG_REDACT, REDACTED, redactUrl } from '../src/logging/log-redaction.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const API_KEY = 'sw_0123456789abcdef_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';

function capture(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = pino({ level: 'trace', redact: LOG_REDACT }, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('log redaction', () => {
  test('request and response headers: authorization keeps its scheme, cookies go', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${API_KEY}`, cookie: 'stepwise_session=abc', 'user-agent': 'curl' } },
      res: { statusCode: 200, headers: { 'set-cookie': ['stepwise_session=def; HttpOnly'] } },
    }, 'request');
    const [line] = lines();
    assert.deepEqual(line!.req, { method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${REDACTED}`, cookie: REDACTED, 'user-agent': 'curl' } });
    assert.deepEqual(line!.res, { statusCode: 200, headers: { 'set-cookie': REDACTED } });
  });

  test('bodies: secret fields at any depth and in any spelling, in arrays too', () => {
    const { logger, lines } = capture();
    const body = {
      username: 'olive', password: 'hunter2', code: '123456', otp: '654321', secret: 'JBSWY3DP', client_secret: 'cs',
      tokens: { access_token: 'at', id_token: 'it', refresh_token: 'rt', accessToken: 'at2', 'Refresh-Token': 'rt2' },
      deep: { deeper: { deepest: { password: 'p4', receipt: 'r', api_key: 'k', recovery_codes: ['A', 'B'] } } },
      factors: [{ method: 'totp', otpauth: 'otpauth://totp/x?secret=JBSWY3DP' }],
      state: 'pending', method: 'totp',
    };
    logger.info({ body }, 'body');
    const logged = lines()[0]!.body as typeof body;
    assert.equal(logged.username, 'olive');
    for (const field of ['password', 'code', 'otp', 'secret', 'client_secret'] as const) assert.equal(logged[field], REDACTED, field);
    assert.deepEqual(logged.tokens, { access_token: REDACTED, id_token: REDACTED, refresh_token: REDACTED, accessToken: REDACTED, 'Refresh-Token': REDACTED });
    assert.deepEqual(logged.deep.deeper.deepest, { password: REDACTED, receipt: REDACTED, api_key: REDACTED, recovery_codes: REDACTED });
    assert.deepEqual(logged.factors, [{ method: 'totp', otpauth: REDACTED }]);
    assert.equal(logged.state, 'pending', 'a challenge state is no OAuth state');
    assert.equal(body.password, 'hunter2', 'the logged object is left alone');
    assert.equal(body.deep.deeper.deepest.password, 'p4');
  });

  test('top-level fields, child bindings and the message', () => {
    const { logger, lines } = capture();
    logger.child({ token: 'bound-token', reqId: 'req-1' }).info({ password: 'top', code: '999999', userId: 'u1' }, `verifying ${JWT} with ${API_KEY}`);
    const [line] = lines();
    assert.equal(line!.token, REDACTED);
    assert.equal(line!.reqId, 'req-1');
    assert.equal(line!.password, REDACTED);
    assert.equal(line!.code, REDACTED);
    assert.equal(line!.userId, 'u1');
    assert.equal(line!.msg, `verifying ${REDACTED} with ${REDACTED}`);
  });

  test('error codes stay readable under `code`; secrets in error messages do not', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error(`bad token ${JWT}`), { code: 'ERR_TOKEN_INVALID' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    logger.error({ err: error }, 'failed');
    logger.error({ err: refused, code: 'ERR_POLICY_INVALID', file: '/etc/stepwise.yaml' }, 'refused');
    logger.error({ code: '7K2QW9ZXM4T0HB8R' }, 'a recovery code is no error code');
    const [first, second, third] = lines();
    const err = first!.err as { code: string; message: string; stack: string };
    assert.equal(err.code, 'ERR_TOKEN_INVALID');
    assert.equal(err.message, `bad token ${REDACTED}`);
    assert.doesNotMatch(err.stack, /eyJ/);
    assert.equal((second!.err as { code: string }).code, 'ECONNREFUSED');
    assert.equal(second!.code, 'ERR_POLICY_INVALID');
    assert.equal(third!.code, REDACTED);
  });

  test('URLs: values of secret parameters go, names, paths and other values stay', () => {
    assert.equal(redactUrl('/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=https%3A%2F%2Fid.example'),
      '/callback?code=[Redacted]&state=[Redacted]&iss=https%3A%2F%2Fid.example');
    assert.equal(redactUrl(`/session/end?id_token_hint=${JWT}&post_logout_redirect_uri=https%3A%2F%2Fapp`),
      '/session/end?id_token_hint=[Redacted]&post_logout_redirect_uri=https%3A%2F%2Fapp');
    assert.equal(redactUrl('https://app.example/cb#access_token=abc&token_type=Bearer&expires_in=300'),
      'https://app.example/cb#access_token=[Redacted]&token_type=Bearer&expires_in=300');
    assert.equal(redactUrl('/x?Client_Secret=s&client%5Fsecret=t&REFRESH_TOKEN=r&flag&code='), '/x?Client_Secret=[Redacted]&client%5Fsecret=[Redacted]&REFRESH_TOKEN=[Redacted]&flag&code=[Redacted]');
    assert.equal(redactUrl(`/anything?request=${JWT}&key=${API_KEY}`), '/anything?request=[Redacted]&key=[Redacted]');
    assert.equal(redactUrl('/challenge/chl_123?lang=en'), '/challenge/chl_123?lang=en');
    assert.equal(redactUrl('/bad?%E0%A4%A=1&code=2'), '/bad?%E0%A4%A=1&code=[Redacted]');

    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: '/callback?code=abc&state=def' }, url: '/cb?token=t', target: new URL('https://rp.example/cb?code=zzz') }, 'incoming request');
    const [line] = lines();
    assert.equal((line!.req as { url: string }).url, '/callback?code=[Redacted]&state=[Redacted]');
    assert.equal(line!.url, '/cb?token=[Redacted]');
    assert.equal(line!.target, 'https://rp.example/cb?code=[Redacted]');
  });

  test('what cannot be walked is cut short, never thrown on', () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    let deep: Record<string, unknown> = { password: 'bottom' };
    for (let i = 0; i < 30; i += 1) deep = { deep };
    logger.info({ loop, deep, bytes: Buffer.from('secret bytes'), when: new Date(0) }, 'odd values');
    const [line] = lines();
    assert.deepEqual(line!.loop, { name: 'loop', self: '[Circular]' });
    assert.doesNotMatch(JSON.stringify(line), /bottom|secret bytes/);
    assert.equal(line!.bytes, '[Binary]');
    assert.equal(line!.when, '1970-01-01T00:00:00.000Z');
  });
});
