// Threat: someone holding a valid token from a weak or old sign-in (the user
// avoiding a second factor, or an attacker with a stolen low-level token)
// wants a route that needs more. They present it as it is, use a token whose
// acr only resembles a stronger level ('aal2 ', 'AAL2', or a name such as
// 'constructor' that a naive rank lookup finds on Object.prototype), or
// reuse a step-up done long ago. What stops them: levels compare by the
// issuer's published ranks under their exact names, unknown names rank
// nowhere, and auth_time must be within the route's max_age and within the
// required level's lifetime.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteRequirement, StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import type { TestIssuer } from './support/issuer.js';
import { LEVEL_TOO_LOW, TOO_OLD, acceptedAuth, bearer, refusalOf, startIssuerAndGuard } from './support/verdict.js';


describe('a token below what the route requires', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  async function refusal(claims: Record<string, unknown>, requirement: RouteRequirement) {
    return refusalOf(await guard.verifyRequest(bearer(await issuer.sign(claims)), requirement));
  }

  test('a password-only token at an aal3 route is asked to step up', async () => {
    const answer = await refusal({ acr: 'aal1', amr: ['pwd'] }, { acr: 'aal3', methods: ['phishing_resistant'] });
    assert.equal(answer.status, 401);
    assert.equal(answer.challenge, `Bearer error="insufficient_user_authentication", error_description="${LEVEL_TOO_LOW}", acr_values="aal3"`);
    assert.deepEqual(answer.body.acr_values, ['aal3']);
  });

  test('an acr that only resembles a known level ranks nowhere', async () => {
    for (const acr of ['aal2 ', ' aal2', 'AAL2', 'Aal2', 'aal2\u200b', 'aal20', 'aal3x', 'urn:aal3', '']) {
      const answer = await refusal({ acr, amr: ['pwd', 'otp'] }, { acr: 'aal2' });
      assert.equal(answer.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION', JSON.stringify(acr));
      assert.equal(answer.body.message, LEVEL_TOO_LOW, JSON.stringify(acr));
    }
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ acr: 'aal2' })), { acr: 'aal2' }));
  });

  test('an acr naming an Object.prototype member ranks nowhere', async () => {
    for (const acr of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']) {
      const answer = await refusal({ acr }, { acr: 'aal1' });
      assert.equal(answer.body.message, LEVEL_TOO_LOW, acr);
    }
  });

  test('an acr that is not a string is refused, not coerced', async () => {
    for (const acr of [['aal3'], 3, { aal3: true }]) {
      const answer = await refusal({ acr }, { acr: 'aal2' });
      assert.equal(answer.body.error, 'ERR_TOKEN_INVALID', JSON.stringify(acr));
      assert.equal(answer.body.reason, 'claims', JSON.stringify(acr));
    }
  });

  test('a step-up done 20 minutes ago does not count for max_age 300, even in a freshly issued token', async () => {
    const route = { acr: 'aal2', maxAge: 300 };
    const stepUpAt = clock.now() - 20 * 60;
    // A refresh gives a new iat and exp but keeps the sign-in's auth_time.
    const answer = await refusal({ acr: 'aal2', amr: ['pwd', 'otp'], auth_time: stepUpAt, iat: clock.now() }, route);
    assert.equal(
      answer.challenge,
      `Bearer error="insufficient_user_authentication", error_description="${TOO_OLD}", acr_values="aal2", max_age=300`,
    );
    assert.equal((await refusal({ acr: 'aal2', auth_time: undefined }, route)).body.message, TOO_OLD, 'no auth_time');
  });

  test('an aal3 sign-in past its 12 h lifetime no longer counts for an aal3 route', async () => {
    const answer = await refusal({ acr: 'aal3', amr: ['pwd', 'hwk', 'user'], auth_time: clock.now() - 13 * 3600 }, { acr: 'aal3' });
    assert.equal(answer.body.message, TOO_OLD);
    await acceptedAuth(
      await guard.verifyRequest(bearer(await issuer.sign({ acr: 'aal3', auth_time: clock.now() - 11 * 3600 })), { acr: 'aal3' }),
    );
  });
});
