// Threat: the guard remembers which key verified a token's protected header
// (its first segment) and hands that key straight to jose for later tokens
// with the same header. An attacker copies the header of a real token, so
// that their token takes that shortcut: signed with their own key, signed by
// another issuer whose tokens look the same, or signed with a key the issuer
// has since withdrawn. What stops them: the shortcut only picks the key, the
// signature is still checked with it; each guard remembers for its own
// issuer only; and a refetch of the keys forgets every remembered header.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { generateKeyPair } from 'jose';
import { eventually, manualClock } from './support/clock.js';
import { startIssuer, type TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, refusalOf } from './support/verdict.js';

const ROUTE = { acr: 'aal1' };
const CACHE_MAX_AGE = 600;

const headerOf = (token: string) => token.slice(0, token.indexOf('.'));

async function issuerFor(t: TestContext, now?: () => number): Promise<TestIssuer> {
  const issuer = await startIssuer(now ? { now } : {});
  t.after(() => issuer.close());
  return issuer;
}

test('a token with the header of a verified token but signed with another key is refused', async (t) => {
  const issuer = await issuerFor(t);
  const guard = guardFor(issuer);
  const real = await issuer.sign();
  await acceptedAuth(await guard.verifyRequest(bearer(real), ROUTE));

  const { privateKey } = await generateKeyPair('ES256');
  const forged = await issuer.sign({ sub: 'usr_victim', acr: 'aal3' }, { key: privateKey });
  assert.equal(headerOf(forged), headerOf(real), 'the forged token must take the remembered-header path');
  const refusal = await refusalOf(await guard.verifyRequest(bearer(forged), ROUTE));
  assert.equal(refusal.status, 401);
  assert.equal(refusal.body.reason, 'signature');

  // The real issuer's tokens keep passing afterwards.
  await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ sub: 'usr_bob' })), ROUTE));
});

test('a header remembered by one guard does not let another issuer\'s token through it', async (t) => {
  const ours = await issuerFor(t);
  const theirs = await issuerFor(t);
  const ourGuard = guardFor(ours);
  const theirGuard = guardFor(theirs);
  const ourToken = await ours.sign();
  await acceptedAuth(await ourGuard.verifyRequest(bearer(ourToken), ROUTE));

  // The other issuer's token, under our kid: byte for byte our header.
  const lookalike = await theirs.sign({}, { header: { kid: ours.kid } });
  assert.equal(headerOf(lookalike), headerOf(ourToken));
  assert.equal((await refusalOf(await ourGuard.verifyRequest(bearer(lookalike), ROUTE))).body.reason, 'signature');

  // Each guard remembers for its own issuer: ours is unknown to theirs.
  await acceptedAuth(await theirGuard.verifyRequest(bearer(await theirs.sign()), ROUTE));
  assert.equal((await refusalOf(await theirGuard.verifyRequest(bearer(ourToken), ROUTE))).body.reason, 'unknown_key');
});

test('a remembered header is forgotten when the keys are refetched: a withdrawn key stops verifying', async (t) => {
  const clock = manualClock();
  const issuer = await issuerFor(t, clock.now);
  const guard = guardFor(issuer, { now: clock.now });
  const oldKid = issuer.kid;
  const before = await issuer.sign();
  await acceptedAuth(await guard.verifyRequest(bearer(before), ROUTE));

  await issuer.rotate();
  issuer.removeKey(oldKid);
  const withdrawn = await issuer.sign({}, { kid: oldKid });
  assert.equal(headerOf(withdrawn), headerOf(before), 'the token must take the remembered-header path');

  clock.advance(CACHE_MAX_AGE + 1);
  const refused = await eventually(async () => !(await guard.verifyRequest(bearer(withdrawn), ROUTE)).ok);
  assert.ok(refused, 'the withdrawn key still verifies through its remembered header');
  assert.equal((await refusalOf(await guard.verifyRequest(bearer(withdrawn), ROUTE))).body.reason, 'unknown_key');
  await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign()), ROUTE));
});

test('many distinct headers all verify: the remembered headers are bounded, not required', async (t) => {
  const issuer = await issuerFor(t);
  const guard = guardFor(issuer);
  for (let index = 0; index < 40; index += 1) {
    const token = await issuer.sign({}, { header: { cty: `variant-${index}` } });
    await acceptedAuth(await guard.verifyRequest(bearer(token), ROUTE));
  }
  await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({}, { header: { cty: 'variant-0' } })), ROUTE));
});
