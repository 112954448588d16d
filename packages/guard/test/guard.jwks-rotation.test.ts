// How the guard keeps the issuer's keys: a rotation is picked up with one
// refetch, unknown key ids cannot make it hammer the issuer, withdrawn keys
// stop verifying once the cache is refreshed, and an issuer outage costs a
// 503 only when no keys were ever fetched. Time moves by the `now` option.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import type { RouteRequirement, StepwiseGuard } from '../src/index.js';
import { eventually, manualClock, type ManualClock } from './support/clock.js';
import { startIssuer, type TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, refusalOf, requestWith } from './support/verdict.js';

const COOLDOWN = 30;
const CACHE_MAX_AGE = 600;

interface Setup {
  readonly clock: ManualClock;
  readonly issuer: TestIssuer;
  readonly guard: StepwiseGuard;
}

async function setUp(t: TestContext): Promise<Setup> {
  const clock = manualClock();
  const issuer = await startIssuer({ now: clock.now });
  t.after(() => issuer.close());
  return { clock, issuer, guard: guardFor(issuer, { now: clock.now }) };
}

async function passes(guard: StepwiseGuard, token: string, requirement: RouteRequirement = { acr: 'aal1' }): Promise<void> {
  await acceptedAuth(await guard.verifyRequest(bearer(token), requirement));
}

async function reasonOf(guard: StepwiseGuard, token: string, requirement: RouteRequirement = { acr: 'aal1' }): Promise<unknown> {
  return (await refusalOf(await guard.verifyRequest(bearer(token), requirement))).body.reason;
}

test('a token from a rotated-in key passes after exactly one JWKS refetch', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  assert.equal(issuer.jwksFetches(), 1);

  clock.advance(COOLDOWN + 1);
  await issuer.rotate();
  await passes(guard, await issuer.sign());
  assert.equal(issuer.jwksFetches(), 2);
  await passes(guard, await issuer.sign({ sub: 'usr_bob' }));
  assert.equal(issuer.jwksFetches(), 2, 'the new key is cached');
});

test('a token from the previous key verifies while that key is still published', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  const oldKid = issuer.kid;
  await passes(guard, await issuer.sign());
  clock.advance(COOLDOWN + 1);
  await issuer.rotate();
  await passes(guard, await issuer.sign());
  await passes(guard, await issuer.sign({}, { kid: oldKid }));
  assert.equal(issuer.jwksFetches(), 2);
});

test('several requests with a rotated-in key arriving together all pass on one refetch', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  clock.advance(COOLDOWN + 1);
  await issuer.rotate();
  const tokens = await Promise.all(Array.from({ length: 5 }, (_, index) => issuer.sign({ sub: `usr_${index}` })));
  const results = await Promise.all(tokens.map((token) => guard.verifyRequest(bearer(token), { acr: 'aal1' })));
  assert.deepEqual(results.map((result) => result.ok), [true, true, true, true, true]);
  assert.equal(issuer.jwksFetches(), 2);
});

test('a burst of unknown key ids causes at most one refetch per cooldown', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  clock.advance(COOLDOWN + 1);

  const forged = await Promise.all(Array.from({ length: 20 }, () => issuer.sign({}, { header: { kid: randomUUID() } })));
  const reasons = await Promise.all(forged.map((token) => reasonOf(guard, token)));
  assert.deepEqual(new Set(reasons), new Set(['unknown_key']));
  assert.equal(issuer.jwksFetches(), 2);

  clock.advance(COOLDOWN - 1);
  for (const token of forged.slice(0, 5)) assert.equal(await reasonOf(guard, token), 'unknown_key');
  assert.equal(issuer.jwksFetches(), 2, 'still within the cooldown');

  clock.advance(1);
  assert.equal(await reasonOf(guard, forged[0]!), 'unknown_key');
  assert.equal(issuer.jwksFetches(), 3, 'the cooldown is over');
});

test('a key rotated in right after a fetch is picked up at once: scheduled fetches do not start the cooldown', async (t) => {
  const { issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  await issuer.rotate();
  await passes(guard, await issuer.sign());
  assert.equal(issuer.jwksFetches(), 2);
});

test('jwksCooldownSeconds spaces the refetches that unknown key ids cause', async (t) => {
  const clock = manualClock();
  const issuer = await startIssuer({ now: clock.now });
  t.after(() => issuer.close());
  const guard = guardFor(issuer, { now: clock.now, jwksCooldownSeconds: 300 });
  await passes(guard, await issuer.sign());
  await issuer.rotate();
  await passes(guard, await issuer.sign());
  assert.equal(issuer.jwksFetches(), 2);
  await issuer.rotate();
  clock.advance(COOLDOWN + 1);
  assert.equal(await reasonOf(guard, await issuer.sign()), 'unknown_key');
  assert.equal(issuer.jwksFetches(), 2, 'still within 300 s of the last unknown-kid refetch');
  clock.advance(300);
  await passes(guard, await issuer.sign());
  assert.equal(issuer.jwksFetches(), 3);
});

test('a withdrawn key stops verifying once the cache is refreshed', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  const oldKid = issuer.kid;
  await passes(guard, await issuer.sign());
  await issuer.rotate();
  issuer.removeKey(oldKid);
  const oldToken = await issuer.sign({}, { kid: oldKid });

  clock.advance(CACHE_MAX_AGE + 1);
  const refused = await eventually(async () => !(await guard.verifyRequest(bearer(oldToken), { acr: 'aal1' })).ok);
  assert.ok(refused, 'the withdrawn key still verifies');
  assert.equal(await reasonOf(guard, oldToken), 'unknown_key');
  await passes(guard, await issuer.sign());
});

test('cacheMaxAgeSeconds: 0 refreshes the keys in the background of every request', async (t) => {
  const clock = manualClock();
  const issuer = await startIssuer({ now: clock.now });
  t.after(() => issuer.close());
  const guard = guardFor(issuer, { now: clock.now, cacheMaxAgeSeconds: 0 });
  const oldKid = issuer.kid;
  await passes(guard, await issuer.sign());
  await issuer.rotate();
  issuer.removeKey(oldKid);
  const oldToken = await issuer.sign({}, { kid: oldKid });
  assert.ok(await eventually(async () => !(await guard.verifyRequest(bearer(oldToken), { acr: 'aal1' })).ok));
});

test('a withdrawn key stops verifying on routes without a requirement too', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  const oldKid = issuer.kid;
  await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign())));
  await issuer.rotate();
  issuer.removeKey(oldKid);
  const oldToken = await issuer.sign({}, { kid: oldKid });

  clock.advance(CACHE_MAX_AGE + 1);
  const refused = await eventually(async () => !(await guard.verifyRequest(bearer(oldToken))).ok, 500);
  assert.ok(refused, 'the withdrawn key still verifies');
});

test('an issuer down at the first request: 503 with Retry-After and no challenge, then recovery after the backoff', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  issuer.setDown(true);
  const token = await issuer.sign();

  const refusal = await refusalOf(await guard.verifyRequest(bearer(token), { acr: 'aal1' }));
  assert.equal(refusal.status, 503);
  assert.equal(refusal.challenge, null);
  assert.equal(refusal.headers.get('retry-after'), '5');
  assert.equal(refusal.headers.get('cache-control'), 'no-store');
  assert.deepEqual(refusal.body, {
    error: 'ERR_ISSUER_UNAVAILABLE',
    message: 'The token issuer cannot be reached to fetch its keys; try again shortly',
  });
  assert.equal(issuer.discoveryFetches(), 1);

  // A request without a token needs no keys: still a plain 401.
  assert.equal((await refusalOf(await guard.verifyRequest(requestWith()))).status, 401);

  issuer.setDown(false);
  clock.advance(1);
  const duringBackoff = await refusalOf(await guard.verifyRequest(bearer(token), { acr: 'aal1' }));
  assert.equal(duringBackoff.status, 503);
  assert.equal(issuer.discoveryFetches(), 1, 'no fetch within the 2 s backoff');

  clock.advance(1);
  await passes(guard, token);
  assert.equal(issuer.discoveryFetches(), 2);
  assert.equal(issuer.jwksFetches(), 1);
});

test('an issuer down after the keys were fetched: cached keys keep verifying', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  issuer.setDown(true);
  clock.advance(CACHE_MAX_AGE + 1);

  await passes(guard, await issuer.sign());
  assert.ok(await eventually(() => issuer.discoveryFetches() === 2), 'a refresh was attempted');
  await passes(guard, await issuer.sign({ acr: 'aal2' }), { acr: 'aal2', maxAge: 60 });
  // A new key id cannot be looked up, but that is the token's problem, not a 503.
  assert.equal(await reasonOf(guard, await issuer.sign({}, { header: { kid: 'key-unseen' } })), 'unknown_key');
});

test('an issuer outage does not turn every request into a refresh attempt', async (t) => {
  const { clock, issuer, guard } = await setUp(t);
  await passes(guard, await issuer.sign());
  issuer.setDown(true);
  clock.advance(CACHE_MAX_AGE + 1);
  const token = await issuer.sign();
  for (let index = 0; index < 10; index += 1) {
    await passes(guard, token);
    await delay(20); // lets the background refresh fail before the next request
  }
  assert.ok(issuer.discoveryFetches() <= 2, `${issuer.discoveryFetches() - 1} refresh attempts within one backoff window`);
});
