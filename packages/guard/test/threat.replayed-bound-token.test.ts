// Threat: the user approved one transfer of 5,000.00 EUR to ACME. Whoever
// holds the bound token (the client retrying blindly, malware that copied
// it, a proxy log) sends the same transfer again to pay twice, or fires many
// copies at once hoping two slip through before the first is recorded, or
// replays it on another route that performs the same details. What stops it:
// the token's jti is recorded on its first accepted use, atomically, and
// every later use is refused with ERR_TXN_REPLAYED and a fresh approval to run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGuard, MemoryReplayStore, requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import { API_AUDIENCE, type TestIssuer } from './support/issuer.js';
import { ACME_5000, assertHint, payment, type Transfer } from './support/transaction.js';
import { acceptedAuth, bearer, refusalOf, startIssuerAndGuard } from './support/verdict.js';

const REPLAYED = 'This approval was already used once; approve the transaction again to repeat it';

describe('a bound token used more than once', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction((transfer: Transfer) => payment(transfer), { acr: 'aal2' });
  const acme: Transfer = { amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' };

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const attempt = async (token: string, guardToUse = guard) => guardToUse.verifyRequest(bearer(token), route(acme));

  test('the second use is refused: ERR_TXN_REPLAYED, asking to approve the transaction again', async () => {
    const token = await issuer.signBound(ACME_5000);
    await acceptedAuth(await attempt(token));
    const refusal = await refusalOf(await attempt(token));
    assert.equal(refusal.body.error, 'ERR_TXN_REPLAYED');
    assert.equal(refusal.body.reason, 'replayed');
    assert.equal(refusal.body.message, REPLAYED);
    assertHint(refusal, ACME_5000);
    assert.equal((await refusalOf(await attempt(token))).body.error, 'ERR_TXN_REPLAYED', 'and every use after');
  });

  test('two concurrent uses: exactly one is accepted', async () => {
    const token = await issuer.signBound(ACME_5000);
    const results = await Promise.all([attempt(token), attempt(token)]);
    assert.equal(results.filter((result) => result.ok).length, 1);
    const refused = results.find((result) => !result.ok);
    assert.equal((await refusalOf(refused!)).body.error, 'ERR_TXN_REPLAYED');
  });

  test('fifty concurrent uses: exactly one is accepted', async () => {
    const token = await issuer.signBound(ACME_5000);
    const results = await Promise.all(Array.from({ length: 50 }, () => attempt(token)));
    assert.equal(results.filter((result) => result.ok).length, 1);
  });

  test('another route performing the same details does not get a second use', async () => {
    const token = await issuer.signBound(ACME_5000);
    await acceptedAuth(await attempt(token));
    const otherRoute = requireTransaction((transfer: Transfer) => payment(transfer), { acr: 'aal1' }, { maxAge: 600 });
    const refusal = await refusalOf(await guard.verifyRequest(bearer(token), otherRoute(acme)));
    assert.equal(refusal.body.error, 'ERR_TXN_REPLAYED');
  });

  test('a token refused before the last check is not used up by the attempt', async () => {
    const token = await issuer.signBound(ACME_5000);
    // Replayed against a changed transfer first (mismatch), the token still pays the approved one once.
    assert.equal((await refusalOf(await guard.verifyRequest(bearer(token), route({ ...acme, amount: '1.00' })))).body.error, 'ERR_TXN_MISMATCH');
    await acceptedAuth(await attempt(token));
    assert.equal((await refusalOf(await attempt(token))).body.error, 'ERR_TXN_REPLAYED');
  });

  test('guards sharing one replay store refuse a token another has accepted', async () => {
    const replayStore = new MemoryReplayStore({ now: clock.now });
    const first = createGuard({ issuer: issuer.url, audience: API_AUDIENCE, now: clock.now, replayStore });
    const second = createGuard({ issuer: issuer.url, audience: API_AUDIENCE, now: clock.now, replayStore });
    const token = await issuer.signBound(ACME_5000);
    await acceptedAuth(await attempt(token, first));
    assert.equal((await refusalOf(await attempt(token, second))).body.error, 'ERR_TXN_REPLAYED');
  });

  test('the same token on a route that is not bound is an ordinary access token: accepted, not used up', async () => {
    const token = await issuer.signBound(ACME_5000);
    await acceptedAuth(await guard.verifyRequest(bearer(token), { acr: 'aal2' }));
    await acceptedAuth(await attempt(token));
  });
});
