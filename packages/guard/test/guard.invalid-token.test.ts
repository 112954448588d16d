// RFC 6750 answers for requests whose token is absent, unreadable or not a
// valid access token for this API: exact status, challenge and JSON body,
// through the fetch-style adapter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from './support/clock.js';
import type { TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, invalidTokenChallenge, refusalOf, requestWith, startIssuerAndGuard } from './support/verdict.js';
import type { StepwiseGuard } from '../src/index.js';

const JSON_TYPE = 'application/json; charset=utf-8';

describe('a request without a valid access token', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  async function refusalFor(authorization?: string) {
    return refusalOf(await guard.verifyRequest(requestWith(authorization), { acr: 'aal1' }));
  }

  async function assertInvalid(
    token: string,
    expected: { code: string; reason: string; message: string },
  ): Promise<void> {
    const refusal = await refusalFor(`Bearer ${token}`);
    assert.equal(refusal.status, 401);
    assert.equal(refusal.challenge, invalidTokenChallenge(expected.message));
    assert.deepEqual(refusal.body, { error: expected.code, message: expected.message, reason: expected.reason });
    assert.equal(refusal.headers.get('cache-control'), 'no-store');
    assert.equal(refusal.headers.get('content-type'), JSON_TYPE);
    assert.ok(!refusal.text.includes(token), 'the answer does not repeat the token');
  }

  const MISSING = { error: 'ERR_TOKEN_MISSING', message: 'A bearer access token is required' };

  test('no Authorization header: 401 with a bare Bearer challenge (RFC 6750 section 3.1)', async () => {
    const refusal = await refusalFor();
    assert.equal(refusal.status, 401);
    assert.equal(refusal.challenge, 'Bearer');
    assert.deepEqual(refusal.body, MISSING);
    assert.equal(refusal.headers.get('cache-control'), 'no-store');
    assert.equal(refusal.headers.get('content-type'), JSON_TYPE);
  });

  test('another scheme (Basic) counts as no bearer token', async () => {
    const refusal = await refusalFor(`Basic ${Buffer.from('alice:secret').toString('base64')}`);
    assert.equal(refusal.status, 401);
    assert.equal(refusal.challenge, 'Bearer');
    assert.deepEqual(refusal.body, MISSING);
  });

  test('the scheme is case-insensitive: "bearer" works', async () => {
    await acceptedAuth(await guard.verifyRequest(requestWith(`bearer ${await issuer.sign()}`), { acr: 'aal1' }));
  });

  test('a Bearer credential with characters outside b64token, or none at all, is malformed', async () => {
    const message = 'The Authorization header does not hold a bearer token';
    for (const authorization of ['Bearer abc$def', 'Bearer a"b,c=d', 'Bearer two words', 'Bearer']) {
      const refusal = await refusalFor(authorization);
      assert.equal(refusal.status, 401, authorization);
      assert.equal(refusal.challenge, invalidTokenChallenge(message), authorization);
      assert.deepEqual(refusal.body, { error: 'ERR_TOKEN_MALFORMED', message, reason: 'malformed' }, authorization);
    }
  });

  test('a b64token that is not a JWT is malformed', async () => {
    const expected = { code: 'ERR_TOKEN_MALFORMED', reason: 'malformed', message: 'The access token is not a well-formed JWT' };
    await assertInvalid('opaque-token-0123456789', expected);
    await assertInvalid('aaaa.bbbb.cccc', expected);
  });

  test('a signature that does not match the token is refused', async () => {
    const [header, payload] = (await issuer.sign({ sub: 'usr_alice' })).split('.');
    const otherSignature = (await issuer.sign({ sub: 'usr_bob' })).split('.')[2];
    await assertInvalid(`${header}.${payload}.${otherSignature}`, {
      code: 'ERR_TOKEN_INVALID',
      reason: 'signature',
      message: 'The access token signature is invalid',
    });
  });

  test('an expired token is refused with ERR_TOKEN_EXPIRED', async () => {
    await assertInvalid(await issuer.sign({ exp: clock.now() - 60 }), {
      code: 'ERR_TOKEN_EXPIRED',
      reason: 'expired',
      message: 'The access token has expired',
    });
  });

  test('the default 5 s leeway: 3 s past exp still passes, 6 s past does not', async () => {
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ exp: clock.now() - 3 })), { acr: 'aal1' }));
    const refusal = await refusalOf(await guard.verifyRequest(bearer(await issuer.sign({ exp: clock.now() - 6 })), { acr: 'aal1' }));
    assert.equal(refusal.body.error, 'ERR_TOKEN_EXPIRED');
  });

  test('clockToleranceSeconds: 0 refuses a token 1 s past exp', async () => {
    const strict = guardFor(issuer, { now: clock.now, clockToleranceSeconds: 0 });
    const refusal = await refusalOf(await strict.verifyRequest(bearer(await issuer.sign({ exp: clock.now() - 1 }))));
    assert.equal(refusal.body.error, 'ERR_TOKEN_EXPIRED');
  });

  test('a token whose nbf is in the future is refused', async () => {
    await assertInvalid(await issuer.sign({ nbf: clock.now() + 60 }), {
      code: 'ERR_TOKEN_INVALID',
      reason: 'not_yet_valid',
      message: 'The access token is not valid yet',
    });
  });

  test('a token naming another issuer is refused', async () => {
    await assertInvalid(await issuer.sign({ iss: 'https://login.other.example' }), {
      code: 'ERR_TOKEN_INVALID',
      reason: 'issuer',
      message: 'The access token was issued by another issuer',
    });
  });

  test('a token for another audience is refused', async () => {
    await assertInvalid(await issuer.sign({ aud: 'https://payroll.example' }), {
      code: 'ERR_TOKEN_INVALID',
      reason: 'audience',
      message: 'The access token was not issued for this API',
    });
  });

  test('typ must be at+jwt: JWT or none is refused, application/at+jwt is the same type', async () => {
    const expected = { code: 'ERR_TOKEN_INVALID', reason: 'type', message: 'The token is not an access token (typ must be at+jwt)' };
    await assertInvalid(await issuer.sign({}, { header: { typ: 'JWT' } }), expected);
    await assertInvalid(await issuer.sign({}, { header: { typ: undefined } }), expected);
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({}, { header: { typ: 'application/at+jwt' } }))));
  });

  test('a token without sub, or whose assurance claims have the wrong type, is refused', async () => {
    const expected = {
      code: 'ERR_TOKEN_INVALID',
      reason: 'claims',
      message: 'The access token lacks a required claim or has one of the wrong type',
    };
    const cases: Record<string, unknown>[] = [
      { sub: undefined },
      { exp: undefined },
      { amr: 'pwd' },
      { amr: ['pwd', 2] },
      { acr: 2 },
      { auth_time: String(clock.now()) },
      { scope: ['accounts:read'] },
    ];
    for (const claims of cases) await assertInvalid(await issuer.sign(claims), expected);
  });

  test('a token signed with a key id the issuer does not publish is refused', async () => {
    await assertInvalid(await issuer.sign({}, { header: { kid: 'retired-2019' } }), {
      code: 'ERR_TOKEN_INVALID',
      reason: 'unknown_key',
      message: 'The token is signed with a key the issuer does not publish',
    });
  });

  test('the realm option comes first in every challenge, quoted', async () => {
    const withRealm = guardFor(issuer, { now: clock.now, realm: 'bank "api"' });
    const missing = await refusalOf(await withRealm.verifyRequest(requestWith()));
    assert.equal(missing.challenge, 'Bearer realm="bank \\"api\\""');
    const expired = await refusalOf(await withRealm.verifyRequest(bearer(await issuer.sign({ exp: clock.now() - 60 }))));
    assert.equal(
      expired.challenge,
      'Bearer realm="bank \\"api\\"", error="invalid_token", error_description="The access token has expired"',
    );
    const stepUp = await refusalOf(await withRealm.verifyRequest(bearer(await issuer.sign()), { acr: 'aal2' }));
    assert.match(stepUp.challenge ?? '', /^Bearer realm="bank \\"api\\"", error="insufficient_user_authentication", /);
  });
});
