// Threat: an attacker without the issuer's private key makes up an access
// token for a victim at the highest level (acr aal3) and sends it to a route
// that requires it. They try an unsigned token (alg none), an HMAC token
// keyed with the issuer's public key (alg confusion), their own ES256 key
// under the issuer's kid, their own key embedded in the header (jwk, or a
// jku pointing at their server), and a real token whose payload they edited.
// What stops them: only asymmetric algorithms verify (none and HS* cannot
// even be configured), keys come only from the issuer's JWKS by kid, key
// headers in the token are ignored, and the signature covers the payload.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@stepwise/core';
import { base64url, calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createGuard, type StepwiseGuard } from '../src/index.js';
import { closeServer, listen } from './support/http.js';
import { API_AUDIENCE, startIssuer, type TestIssuer } from './support/issuer.js';
import { acceptedAuth, bearer, guardFor, refusalOf } from './support/verdict.js';

const AAL3_ROUTE = { acr: 'aal3', maxAge: 300 };
const VICTIM = { sub: 'usr_victim', acr: 'aal3', amr: ['pwd', 'hwk', 'user'] };

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('a forged access token', () => {
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  let attackerKey: CryptoKey;
  let attackerJwk: JWK;

  before(async () => {
    issuer = await startIssuer();
    guard = guardFor(issuer);
    const pair = await generateKeyPair('ES256', { extractable: true });
    attackerKey = pair.privateKey;
    attackerJwk = await exportJWK(pair.publicKey);
  });
  after(() => issuer.close());

  async function assertRefused(token: string, reason: string, label = reason): Promise<void> {
    const result = await guard.verifyRequest(bearer(token), AAL3_ROUTE);
    const refusal = await refusalOf(result);
    assert.equal(refusal.status, 401, label);
    assert.match(refusal.challenge ?? '', /^Bearer error="invalid_token", /, label);
    assert.equal(refusal.body.reason, reason, label);
  }

  /** The claims a real aal3 token for the victim would carry. */
  async function victimClaims(): Promise<Record<string, unknown>> {
    const [, payload] = (await issuer.sign(VICTIM)).split('.');
    return JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
  }

  test('control: a real aal3 token for the victim passes', async () => {
    const auth = await acceptedAuth(await guard.verifyRequest(bearer(await issuer.sign(VICTIM)), AAL3_ROUTE));
    assert.equal(auth.subject, 'usr_victim');
  });

  test('an unsigned token (alg none, in any spelling, even typed at+jwt) is refused', async () => {
    const claims = await victimClaims();
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const header of [{ alg }, { alg, typ: 'at+jwt' }, { alg, typ: 'at+jwt', kid: issuer.kid }]) {
        const unsigned = `${encode(header)}.${encode(claims)}.`;
        await assertRefused(unsigned, 'algorithm', JSON.stringify(header));
        await assertRefused(`${unsigned}${base64url.encode('signature')}`, 'algorithm', `${JSON.stringify(header)} with a signature`);
      }
    }
  });

  test('an HS256 token keyed with the issuer\'s public key (alg confusion) is refused', async () => {
    const publicJwk = issuer.publicJwks()[0]!;
    const pem = await exportSPKI((await importJWK(publicJwk, 'ES256')) as CryptoKey);
    const secrets = [pem, `${pem}\n`, JSON.stringify(publicJwk), publicJwk.x!].map((text) => new TextEncoder().encode(text));
    for (const [index, secret] of secrets.entries()) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await issuer.sign(VICTIM, { key: secret, header: { alg } });
        await assertRefused(token, 'algorithm', `${alg} with secret ${index}`);
      }
    }
  });

  test('alg confusion also fails against keys published without alg, and HS* cannot be allowed', async () => {
    const bare = await startIssuer({ publishAlg: false });
    try {
      assert.equal(bare.publicJwks()[0]!.alg, undefined);
      const pem = await exportSPKI((await importJWK(bare.publicJwks()[0]!, 'ES256')) as CryptoKey);
      const token = await bare.sign(VICTIM, { key: new TextEncoder().encode(pem), header: { alg: 'HS256' } });
      const refusal = await refusalOf(await guardFor(bare).verifyRequest(bearer(token), AAL3_ROUTE));
      assert.equal(refusal.body.reason, 'algorithm');
      assert.throws(() => createGuard({ issuer: bare.url, audience: API_AUDIENCE, algorithms: ['ES256', 'HS256'] }), ConfigError);
    } finally {
      await bare.close();
    }
  });

  test('a token signed by the attacker\'s own ES256 key under the issuer\'s kid is refused', async () => {
    const token = await issuer.sign(VICTIM, { key: attackerKey, header: { kid: issuer.kid } });
    await assertRefused(token, 'signature');
  });

  test('a key embedded in the token (jwk) is never used', async () => {
    const thumbprint = await calculateJwkThumbprint(attackerJwk);
    // With no kid the issuer's only key is tried, and the signature does not match it.
    await assertRefused(await issuer.sign(VICTIM, { key: attackerKey, header: { kid: undefined, jwk: attackerJwk } }), 'signature', 'jwk, no kid');
    await assertRefused(await issuer.sign(VICTIM, { key: attackerKey, header: { kid: thumbprint, jwk: attackerJwk } }), 'unknown_key', 'jwk with its thumbprint as kid');
    await assertRefused(await issuer.sign(VICTIM, { key: attackerKey, header: { kid: issuer.kid, jwk: attackerJwk } }), 'signature', 'jwk under the issuer kid');
  });

  test('a jku or x5u pointing at the attacker\'s server is never fetched', async () => {
    let attackerHits = 0;
    const attackerServer = createServer((_req, res) => {
      attackerHits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...attackerJwk, kid: 'evil', alg: 'ES256' }] }));
    });
    const attackerUrl = await listen(attackerServer);
    try {
      const header = { kid: 'evil', jku: `${attackerUrl}/jwks`, x5u: `${attackerUrl}/cert.pem` };
      await assertRefused(await issuer.sign(VICTIM, { key: attackerKey, header }), 'unknown_key');
      assert.equal(attackerHits, 0);
    } finally {
      await closeServer(attackerServer);
    }
  });

  test('a real aal1 token whose payload was raised to aal3 after signing is refused', async () => {
    const real = await issuer.sign({ sub: 'usr_victim', acr: 'aal1', amr: ['pwd'] });
    const control = await refusalOf(await guard.verifyRequest(bearer(real), AAL3_ROUTE));
    assert.equal(control.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION', 'control: unedited, it asks for a step-up');

    const [header, payload, signature] = real.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    const raised = encode({ ...claims, acr: 'aal3', amr: ['pwd', 'hwk', 'user'] });
    await assertRefused(`${header}.${raised}.${signature}`, 'signature');
    // The same claims encoded in another key order break the signature too.
    const reordered = encode(Object.fromEntries(Object.entries(claims).reverse()));
    await assertRefused(`${header}.${reordered}.${signature}`, 'signature', 'reordered');
  });
});
