// Threat: a token that is genuine, even at aal2, but was not issued for this
// API is replayed here: by another API that receives users' tokens (a
// partner, a compromised service), with an ID token issued to a client, or
// with a token from another Stepwise issuer. A step-up challenge would not
// help, so these are plain invalid_token refusals. What stops them: aud must
// contain this API's resource indicator exactly, typ must be at+jwt, iss
// must be this issuer, and keys come only from this issuer's JWKS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StepwiseGuard } from '../src/index.js';
import { API_AUDIENCE, startIssuer, type TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, invalidTokenChallenge, refusalOf } from './support/verdict.js';

const ROUTE = { acr: 'aal2', maxAge: 300 };
const STEPPED_UP = { acr: 'aal2', amr: ['pwd', 'otp'] };

describe('a token issued for someone else', () => {
  let issuer: TestIssuer;
  let other: TestIssuer;
  let guard: StepwiseGuard;

  before(async () => {
    issuer = await startIssuer();
    other = await startIssuer();
    guard = guardFor(issuer);
  });
  after(async () => {
    await issuer.close();
    await other.close();
  });

  async function reasonFor(token: string): Promise<unknown> {
    const refusal = await refusalOf(await guard.verifyRequest(bearer(token), ROUTE));
    assert.equal(refusal.status, 401);
    assert.match(refusal.challenge ?? '', /^Bearer error="invalid_token", /);
    return refusal.body.reason;
  }

  test('an aal2 token for another API is refused as invalid, not challenged to step up', async () => {
    const refusal = await refusalOf(await guard.verifyRequest(bearer(await issuer.sign({ ...STEPPED_UP, aud: 'https://payroll.example' })), ROUTE));
    assert.equal(refusal.challenge, invalidTokenChallenge('The access token was not issued for this API'));
    assert.deepEqual(refusal.body, {
      error: 'ERR_TOKEN_INVALID',
      message: 'The access token was not issued for this API',
      reason: 'audience',
    });
  });

  test('the audience must match exactly: look-alikes, lists without this API and no aud are refused', async () => {
    const audiences: unknown[] = [
      `${API_AUDIENCE}/`,
      `${API_AUDIENCE}.evil`,
      'https://API.example',
      'api.example',
      ['https://payroll.example', 'https://crm.example'],
      [],
      undefined,
    ];
    for (const aud of audiences) assert.equal(await reasonFor(await issuer.sign({ ...STEPPED_UP, aud })), 'audience', JSON.stringify(aud));
  });

  test('control: a list that contains this API passes (RFC 9068 allows several audiences)', async () => {
    await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign({ ...STEPPED_UP, aud: ['https://payroll.example', API_AUDIENCE] })), ROUTE));
  });

  test('an ID token of the same issuer and key is not an access token', async () => {
    const idToken = { ...STEPPED_UP, aud: 'bank-web', nonce: 'n-0S6_WzA2Mj', client_id: undefined };
    assert.equal(await reasonFor(await issuer.sign(idToken, { header: { typ: 'JWT' } })), 'type');
    assert.equal(await reasonFor(await issuer.sign(idToken, { header: { typ: undefined } })), 'type');
    assert.equal(await reasonFor(await issuer.sign({ ...idToken, aud: API_AUDIENCE }, { header: { typ: 'JWT' } })), 'type', 'even with this API as aud');
  });

  test('a token from another Stepwise issuer is refused, even when it claims to come from ours', async () => {
    // The key is looked up before the claims are read: its kid is simply not ours.
    assert.equal(await reasonFor(await other.sign(STEPPED_UP)), 'unknown_key');
    assert.equal(await reasonFor(await other.sign({ ...STEPPED_UP, iss: issuer.url })), 'unknown_key');
    assert.equal(await reasonFor(await other.sign({ ...STEPPED_UP, iss: issuer.url }, { header: { kid: issuer.kid } })), 'signature');
  });

  test('a guard for several audiences accepts each, and only those', async () => {
    const both = guardFor(issuer, { audience: [API_AUDIENCE, 'https://api.example/v2'] });
    for (const aud of [API_AUDIENCE, 'https://api.example/v2']) {
      await acceptedAuth(await both.verifyRequest(bearer(await issuer.sign({ ...STEPPED_UP, aud })), ROUTE));
    }
    const refusal = await refusalOf(await both.verifyRequest(bearer(await issuer.sign({ ...STEPPED_UP, aud: 'https://api.example/v3' })), ROUTE));
    assert.equal(refusal.body.reason, 'audience');
  });
});
