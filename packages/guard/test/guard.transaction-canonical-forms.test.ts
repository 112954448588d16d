// The token's details and the route's are compared by their RFC 8785 hash:
// the same JSON value written another way (member order, 1.0 / 1 / 1e0,
// "\u00e9" escaped or not) is the same transaction; the same-looking text in
// another Unicode form (NFC "é" vs NFD "e\u0301") is not, as the user saw
// other code points. Raw JSON text is signed where JSON.stringify would
// normalise the spelling. Also the memory replay store's bounds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash, type AuthorizationDetail } from '@stepwise/core';
import { MemoryReplayStore, ReplayStoreFullError, requireTransaction, type StepwiseGuard } from '../src/index.js';
import { manualClock } from './support/clock.js';
import { startIssuer, type TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, refusalOf, startIssuerAndGuard } from './support/verdict.js';

const ACTION: AuthorizationDetail = { type: 'stepwise_action', action: 'environment.delete', resource: { project: 'acme', replicas: 1, name: 'café' } };

describe('canonical forms of the same details', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction((details: AuthorizationDetail[]) => details, { acr: 'aal2' });

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  /** A token bound to ACTION whose payload text is rewritten before signing. */
  const boundAs = (rewrite: (json: string) => string) => issuer.signBound([ACTION], {}, { rewrite });

  test('members in another order, in the token or in the route, are the same transaction', async () => {
    const reordered: AuthorizationDetail = { resource: { name: 'café', replicas: 1, project: 'acme' }, action: 'environment.delete', type: 'stepwise_action' };
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.signBound([reordered])), route([ACTION])));
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.signBound([ACTION])), route([reordered])));
  });

  test('the number 1 written as 1.0, 1e0 or 1E+0 in the signed JSON text is still 1', async () => {
    for (const spelling of ['1.0', '1e0', '1E+0', '10e-1', '1.000']) {
      const token = await boundAs((json) => {
        assert.ok(json.includes('"replicas":1'));
        return json.replace('"replicas":1', `"replicas":${spelling}`);
      });
      assert.ok(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8').includes(`"replicas":${spelling}`));
      const auth = await acceptedAuth(await guard.verifyRequest(bearer(token), route([ACTION])));
      assert.deepEqual(auth.authorizationDetails, [ACTION], spelling);
    }
  });

  test('"\\u00e9" escaped in the signed JSON text and a literal é are the same string', async () => {
    const token = await boundAs((json) => json.replace('café', 'caf\\u00e9'));
    assert.ok(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8').includes('caf\\u00e9'));
    await acceptedAuth(await guard.verifyRequest(bearer(token), route([ACTION])));
  });

  test('NFC "é" and NFD "e\\u0301" are different transactions: ERR_TXN_MISMATCH', async () => {
    const nfd: AuthorizationDetail = { ...ACTION, resource: { project: 'acme', replicas: 1, name: 'cafe\u0301' } };
    assert.equal('café'.normalize('NFD'), 'cafe\u0301');
    assert.notEqual(transactionHash([nfd]), transactionHash([ACTION]));
    const refusal = await refusalOf(await guard.verifyRequest(bearer(await issuer.signBound([ACTION])), route([nfd])));
    assert.equal(refusal.body.error, 'ERR_TXN_MISMATCH');
    assert.deepEqual(refusal.body.authorization_details, [nfd]);
    const reverse = await refusalOf(await guard.verifyRequest(bearer(await issuer.signBound([nfd])), route([ACTION])));
    assert.equal(reverse.body.error, 'ERR_TXN_MISMATCH');
  });

  test('the number as a string ("1") is another value than 1', async () => {
    const asString: AuthorizationDetail = { ...ACTION, resource: { project: 'acme', replicas: '1', name: 'café' } };
    assert.equal((await refusalOf(await guard.verifyRequest(bearer(await issuer.signBound([ACTION])), route([asString])))).body.error, 'ERR_TXN_MISMATCH');
  });

  test('a token whose details cannot be canonicalised (1e999 is not finite) is invalid, not a mismatch', async () => {
    const token = await boundAs((json) => json.replace('"replicas":1', '"replicas":1e999'));
    const refusal = await refusalOf(await guard.verifyRequest(bearer(token), route([ACTION])));
    assert.equal(refusal.body.error, 'ERR_TOKEN_INVALID');
    assert.equal(refusal.body.reason, 'claims');
  });
});

describe('the memory replay store', () => {
  test('sweeps expired entries once it passes its threshold, and keeps live ones', async () => {
    const clock = manualClock(1_000_000);
    const store = new MemoryReplayStore({ sweepAt: 10, now: clock.now });
    for (let i = 0; i < 9; i++) assert.equal(await store.firstUse(`old-${i}`, clock.now() + 60), true);
    assert.equal(await store.firstUse('live', clock.now() + 600), true);
    assert.equal(store.size, 10);
    clock.advance(61);
    assert.equal(await store.firstUse('new', clock.now() + 60), true, 'the 11th use triggers the sweep');
    assert.equal(store.size, 2, 'nine expired entries swept');
    assert.equal(await store.firstUse('live', clock.now() + 600), false, 'a live entry survives the sweep');
    assert.equal(await store.firstUse('new', clock.now() + 600), false);
  });

  test('an entry is kept until its expiresAt has passed, not a second less', async () => {
    const clock = manualClock(1_000_000);
    const store = new MemoryReplayStore({ sweepAt: 1, now: clock.now });
    await store.firstUse('a', clock.now() + 10);
    clock.advance(10);
    assert.equal(store.sweep(), 0);
    assert.equal(await store.firstUse('a', clock.now() + 10), false);
    clock.advance(1);
    assert.equal(store.sweep(), 1);
  });

  test('stays bounded under load: 100,000 short-lived uses never hold more than the threshold allows', async () => {
    const clock = manualClock(1_000_000);
    const store = new MemoryReplayStore({ sweepAt: 1_000, maxEntries: 5_000, now: clock.now });
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i % 500 === 0) clock.advance(1);
      assert.equal(await store.firstUse(`jti-${i}`, clock.now() + 2), true);
      largest = Math.max(largest, store.size);
    }
    assert.ok(largest <= 5_000, `held at most ${largest}`);
  });

  test('full of live entries it refuses with ReplayStoreFullError (429) rather than forget one', async () => {
    const clock = manualClock();
    const issuer = await startIssuer({ now: clock.now });
    try {
      const store = new MemoryReplayStore({ sweepAt: 2, maxEntries: 2, now: clock.now });
      const guard = guardFor(issuer, { now: clock.now, replayStore: store });
      const route = requireTransaction(() => [ACTION]);
      for (let i = 0; i < 2; i++) await acceptedAuth(await guard.verifyRequest(bearer(await issuer.signBound([ACTION])), route(undefined)));
      const third = await issuer.signBound([ACTION]);
      await assert.rejects(store.firstUse('x', clock.now() + 60), ReplayStoreFullError);
      const refusal = await refusalOf(await guard.verifyRequest(bearer(third), route(undefined)));
      assert.equal(refusal.status, 429);
      assert.equal(refusal.body.error, 'ERR_RATE_LIMITED');
      assert.equal(refusal.challenge, null);
    } finally {
      await issuer.close();
    }
  });
});
