// Threat: a bound token is kept and used long after the user approved the
// transaction: a request queued or replayed hours later, a token lifted
// from a log, or one the client refreshed so that its iat and exp are new
// while the approval is old. What stops it: the approval's age (auth_time,
// else iat) must be within the binding's maxAge (default 300 s, plus the
// clock leeway); past it the client is asked to approve again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import type { TestIssuer } from './support/issuer.js';
import { ACME_5000, assertHint } from './support/transaction.js';
import { acceptedAuth, bearer, refusalOf, startIssuerAndGuard } from './support/verdict.js';

const EXPIRED = 'The approval of this transaction is too old; approve it again';

describe('a bound token whose approval is too old', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction(() => ACME_5000, { acr: 'aal2' });

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const attempt = async (claims: Record<string, unknown>, routeToUse = route) =>
    guard.verifyRequest(bearer(await issuer.signBound(ACME_5000, claims)), routeToUse(undefined));

  test('approved 306 s ago at the default 300 s (5 s leeway): ERR_TXN_EXPIRED with the details to approve again', async () => {
    const refusal = await refusalOf(await attempt({ auth_time: clock.now() - 306 }));
    assert.equal(refusal.body.error, 'ERR_TXN_EXPIRED');
    assert.equal(refusal.body.reason, 'expired');
    assert.equal(refusal.body.message, EXPIRED);
    assert.equal(refusal.body.max_age, 300);
    assertHint(refusal, ACME_5000);
  });

  test('just inside: 305 s ago passes', async () => {
    await acceptedAuth(await attempt({ auth_time: clock.now() - 305 }));
  });

  test('a refreshed token (fresh iat and exp, old auth_time) is judged by auth_time', async () => {
    const refusal = await refusalOf(await attempt({ auth_time: clock.now() - 3600, iat: clock.now() }));
    assert.equal(refusal.body.error, 'ERR_TXN_EXPIRED');
  });

  test('without auth_time the age is the iat\'s; with neither the approval cannot be dated and is refused', async () => {
    assert.equal((await refusalOf(await attempt({ auth_time: undefined, iat: clock.now() - 400 }))).body.error, 'ERR_TXN_EXPIRED');
    await acceptedAuth(await attempt({ auth_time: undefined, iat: clock.now() - 100 }));
    assert.equal((await refusalOf(await attempt({ auth_time: undefined, iat: undefined }))).body.error, 'ERR_TXN_EXPIRED');
  });

  test('the route\'s own maxAge: 60 s refuses a 70 s old approval and accepts a 60 s old one', async () => {
    const quick = requireTransaction(() => ACME_5000, { acr: 'aal2' }, { maxAge: 60 });
    const refusal = await refusalOf(await attempt({ auth_time: clock.now() - 70 }, quick));
    assert.equal(refusal.body.error, 'ERR_TXN_EXPIRED');
    assert.equal(refusal.body.max_age, 60);
    await acceptedAuth(await attempt({ auth_time: clock.now() - 60 }, quick));
  });

  test('a token used once, then again after its approval expired: refused as expired, which is checked before the replay', async () => {
    const token = await issuer.signBound(ACME_5000);
    await acceptedAuth(await guard.verifyRequest(bearer(token), route(undefined)));
    clock.advance(400);
    const refusal = await refusalOf(await guard.verifyRequest(bearer(token), route(undefined)));
    assert.equal(refusal.body.error, 'ERR_TXN_EXPIRED');
    clock.advance(-400);
  });
});
