// RFC 9470 step-up: a valid token whose authentication is too weak, too old
// or of the wrong kind gets `insufficient_user_authentication` with the
// acr_values and max_age the client must ask the issuer for. Also the
// configuration mistakes a route or a guard can make.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@stepwise/core';
import { createGuard, type RouteRequirement, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import { ACR_RANKS, API_AUDIENCE, startIssuer, type TestIssuer } from './support/issuer.js';
import { LEVEL_TOO_LOW, TOO_OLD, acceptedAuth, bearer, guardFor, refusalOf, startIssuerAndGuard } from './support/verdict.js';


describe('step-up challenges', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  async function verdict(claims: Record<string, unknown>, requirement: RouteRequirement) {
    return guard.verifyRequest(bearer(await issuer.sign(claims)), requirement);
  }

  test('a fixed route answers every refusal with the same frozen error, so no handler can alter another request\'s answer', async () => {
    const requirement: RouteRequirement = { acr: 'aal2', maxAge: 300 };
    const refusals = await Promise.all([1, 2].map(async () => {
      try {
        await guard.verify(`Bearer ${await issuer.sign({ acr: 'aal1' })}`, requirement);
      } catch (error) {
        return error;
      }
      return assert.fail('expected a refusal');
    }));
    assert.equal(refusals[0], refusals[1]);
    assert.ok(Object.isFrozen(refusals[0]));
    assert.throws(() => {
      (refusals[0] as { message: string }).message = 'changed';
    }, TypeError);
  });

  test('an aal1 token at an aal2 route with max_age gets the exact RFC 9470 challenge', async () => {
    const refusal = await refusalOf(await verdict({ acr: 'aal1' }, { acr: 'aal2', maxAge: 300 }));
    assert.equal(refusal.status, 401);
    assert.equal(
      refusal.challenge,
      `Bearer error="insufficient_user_authentication", error_description="${LEVEL_TOO_LOW}", acr_values="aal2", max_age=300`,
    );
    assert.deepEqual(refusal.body, {
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message: LEVEL_TOO_LOW,
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
      max_age: 300,
    });
    assert.equal(refusal.headers.get('cache-control'), 'no-store');
  });

  test('an aal2 token whose authentication is 400 s old at max_age 300 must re-authenticate', async () => {
    const refusal = await refusalOf(
      await verdict({ acr: 'aal2', amr: ['pwd', 'otp'], auth_time: clock.now() - 400 }, { acr: 'aal2', maxAge: 300 }),
    );
    assert.equal(
      refusal.challenge,
      `Bearer error="insufficient_user_authentication", error_description="${TOO_OLD}", acr_values="aal2", max_age=300`,
    );
    assert.equal(refusal.body.message, TOO_OLD);
    assert.equal(refusal.body.max_age, 300);
  });

  test('max_age allows the 5 s leeway and no more: 305 s passes, 306 s does not', async () => {
    const requirement = { acr: 'aal2', maxAge: 300 };
    await acceptedAuth(await verdict({ acr: 'aal2', auth_time: clock.now() - 305 }, requirement));
    const refusal = await refusalOf(await verdict({ acr: 'aal2', auth_time: clock.now() - 306 }, requirement));
    assert.equal(refusal.body.message, TOO_OLD);
  });

  test('levels compare by the ranks the issuer publishes: aal3 passes an aal2 route, aal2 fails aal3', async () => {
    const auth = await acceptedAuth(await verdict({ acr: 'aal3', amr: ['pwd', 'hwk', 'user'] }, { acr: 'aal2' }));
    assert.equal(auth.acr, 'aal3');
    await acceptedAuth(await verdict({ acr: 'aal2' }, { acr: 'aal2' }));
    const refusal = await refusalOf(await verdict({ acr: 'aal2' }, { acr: 'aal3' }));
    assert.equal(refusal.challenge, `Bearer error="insufficient_user_authentication", error_description="${LEVEL_TOO_LOW}", acr_values="aal3"`);
  });

  test('a token without acr fails any route that names a level', async () => {
    const refusal = await refusalOf(await verdict({ acr: undefined }, { acr: 'aal1' }));
    assert.equal(refusal.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
  });

  test('a token without auth_time fails a route with max_age', async () => {
    const refusal = await refusalOf(await verdict({ acr: 'aal2', auth_time: undefined }, { acr: 'aal2', maxAge: 300 }));
    assert.equal(refusal.body.message, TOO_OLD);
  });

  test('a refreshed token older than its level\'s lifetime fails even without max_age', async () => {
    // aal2 lasts 86,400 s: a token refreshed two days after the sign-in keeps acr aal2 but no longer earns it.
    const refusal = await refusalOf(await verdict({ acr: 'aal2', auth_time: clock.now() - 2 * 86_400 }, { acr: 'aal2' }));
    assert.equal(refusal.challenge, `Bearer error="insufficient_user_authentication", error_description="${TOO_OLD}", acr_values="aal2"`);
    assert.deepEqual(refusal.body, {
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message: TOO_OLD,
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
    });
    await acceptedAuth(await verdict({ acr: 'aal2', auth_time: clock.now() - 86_000 }, { acr: 'aal2' }));
  });

  test('methods: phishing_resistant refuses pwd+otp and accepts a WebAuthn credential', async () => {
    const requirement = { acr: 'aal2', methods: ['phishing_resistant'] };
    const message = 'A different authentication method is required: one of phishing_resistant';
    const refusal = await refusalOf(await verdict({ acr: 'aal2', amr: ['pwd', 'otp'] }, requirement));
    assert.equal(refusal.challenge, `Bearer error="insufficient_user_authentication", error_description="${message}", acr_values="aal2"`);
    assert.deepEqual(refusal.body, {
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message,
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
      methods: ['phishing_resistant'],
    });
    await acceptedAuth(await verdict({ acr: 'aal2', amr: ['pwd', 'hwk', 'user'] }, requirement));
    await acceptedAuth(await verdict({ acr: 'aal2', amr: ['swk'] }, requirement));
    const noAmr = await refusalOf(await verdict({ acr: 'aal2', amr: undefined }, requirement));
    assert.equal(noAmr.body.message, message);
  });

  test('the handler receives the verified facts', async () => {
    const authTime = clock.now() - 30;
    const token = await issuer.sign({
      sub: 'usr_bob',
      acr: 'aal2',
      amr: ['pwd', 'otp'],
      auth_time: authTime,
      scope: 'accounts:read  transfers:write',
      client_id: 'bank-mobile',
    });
    const auth = await acceptedAuth(await guard.verifyRequest(bearer(token), { acr: 'aal2', maxAge: 300 }));
    assert.equal(auth.token, token);
    assert.equal(auth.subject, 'usr_bob');
    assert.equal(auth.acr, 'aal2');
    assert.deepEqual(auth.amr, ['pwd', 'otp']);
    assert.equal(auth.authTime, authTime);
    assert.deepEqual(auth.scopes, ['accounts:read', 'transfers:write']);
    assert.equal(auth.clientId, 'bank-mobile');
    assert.equal(auth.claims.aud, API_AUDIENCE);
  });

  test('without a requirement only the token is checked', async () => {
    const auth = await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ acr: undefined, amr: undefined, scope: undefined }))));
    assert.equal(auth.acr, undefined);
    assert.deepEqual(auth.amr, []);
    assert.deepEqual(auth.scopes, []);
  });

  test('a route naming a level the issuer does not define throws a ConfigError instead of answering', async () => {
    await assert.rejects(guard.verifyRequest(bearer(await issuer.sign()), { acr: 'aal9' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'ERR_CONFIG_INVALID');
      assert.match(error.message, /"aal9" is not a level the issuer defines \(aal1, aal2, aal3\)/);
      return true;
    });
  });

  test('ready() checks the levels of fixed requirements against the issuer', async () => {
    await guard.ready([{ acr: 'aal1' }, { acr: 'aal3', maxAge: 60 }]);
    await assert.rejects(guard.ready([{ acr: 'aal2' }, { acr: 'aal9' }]), ConfigError);
    await assert.rejects(guard.ready([{ maxAge: -1 }]), ConfigError);
  });

  test('a requirement with a bad maxAge, acr or method throws a ConfigError', async () => {
    const token = await issuer.sign();
    const bad: RouteRequirement[] = [
      { acr: 'aal2', maxAge: -1 },
      { maxAge: 1.5 },
      { maxAge: Number.NaN },
      { acr: 'aal 2' },
      { acr: '' },
      { methods: [] },
      { methods: ['password'] },
    ];
    for (const requirement of bad) {
      await assert.rejects(guard.verifyRequest(bearer(token), requirement), ConfigError, JSON.stringify(requirement));
    }
  });

  test('createGuard refuses HMAC and unsigned algorithms, an empty audience and bad settings', () => {
    const base = { issuer: issuer.url, audience: API_AUDIENCE };
    const bad = [
      { ...base, algorithms: ['HS256'] },
      { ...base, algorithms: ['ES256', 'hs512'] },
      { ...base, algorithms: ['none'] },
      { ...base, algorithms: [] },
      { ...base, audience: '' },
      { ...base, audience: [] },
      { ...base, audience: [API_AUDIENCE, ''] },
      { ...base, issuer: 'not a url' },
      { ...base, clockToleranceSeconds: -1 },
      { ...base, jwksCooldownSeconds: Number.NaN },
    ];
    for (const options of bad) assert.throws(() => createGuard(options), ConfigError, JSON.stringify(options));
    assert.ok(createGuard({ ...base, algorithms: ['ES256'] }));
  });
});

describe('an issuer that publishes no ranks', () => {
  let issuer: TestIssuer;

  before(async () => {
    issuer = await startIssuer({ discovery: { stepwise_acr_ranks: undefined } });
  });
  after(() => issuer.close());

  test('levels then match by name only', async () => {
    const guard = guardFor(issuer);
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ acr: 'aal2' })), { acr: 'aal2' }));
    const refusal = await refusalOf(await guard.verifyRequest(bearer(await issuer.sign({ acr: 'aal3' })), { acr: 'aal2' }));
    assert.equal(refusal.body.message, LEVEL_TOO_LOW);
  });

  test('the acrRanks option supplies the order', async () => {
    const guard = guardFor(issuer, { acrRanks: ACR_RANKS });
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ acr: 'aal3' })), { acr: 'aal2' }));
    await assert.rejects(guard.ready([{ acr: 'aal9' }]), ConfigError);
  });
});
