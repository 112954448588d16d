import { createPrivateKey, sign as signBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { SIGNING_ALG, type LoadedSigningKey } from './signing-keys.js';

/** Signs and verifies Stepwise's own JWTs (step-up receipts) with the keys oidc-provider publishes. */
export interface TokenKeys {
  /** The id of the key that signs now. */
  signingKid(): string;
  /**
   * Signs claims with the active key.
   *
   * @param claims - the payload (`iss`, `iat` and `exp` are the caller's)
   * @param typ - the `typ` header
   */
  sign(claims: JWTPayload, typ: string): Promise<string>;
  /**
   * Verifies a JWT signed with one of the published keys (active or in grace).
   *
   * @param token - the compact JWT
   * @param options - issuer, `typ`, clock tolerance
   * @throws jose's errors for any failure
   */
  verify(token: string, options: JWTVerifyOptions): Promise<{ payload: JWTPayload; typ: string | undefined }>;
}

function publicPart(jwk: JWK): JWK {
  const { d: _d, key_ops: _ops, ...rest } = jwk;
  void _d;
  void _ops;
  return rest;
}

/**
 * A compact JWS (ES256) signed with node:crypto on the calling thread: the
 * same token as jose's `SignJWT`, for about half the CPU of WebCrypto's
 * asynchronous job (a receipt is signed on every satisfied challenge).
 * Verification stays with jose, which checks the claims too.
 */
function signCompact(key: KeyObject, header: Readonly<Record<string, string>>, claims: JWTPayload): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // ES256 signatures in JWS are r || s (IEEE P1363), not DER.
  const signature = signBytes('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * Builds the signer and verifier from the loaded signing keys, once.
 *
 * @param keys - from `loadSigningKeys`, the active key first
 * @example
 * ```ts
 * const tokenKeys = await createTokenKeys(await loadSigningKeys(db, box, now, grace));
 * const jwt = await tokenKeys.sign({ iss, sub, exp }, 'stepwise-receipt+jwt');
 * ```
 */
export async function createTokenKeys(keys: readonly LoadedSigningKey[]): Promise<TokenKeys> {
  const active = keys.find((key) => key.active);
  if (!active) throw new Error('no active signing key');
  const privateKey = createPrivateKey({ key: active.jwk as JsonWebKey, format: 'jwk' });
  const keySet = createLocalJWKSet({ keys: keys.map((key) => publicPart(key.jwk)) });
  return {
    signingKid: () => active.kid,
    sign: async (claims, typ) => signCompact(privateKey, { alg: SIGNING_ALG, kid: active.kid, typ }, claims),
    async verify(token, options) {
      const { payload, protectedHeader } = await jwtVerify(token, keySet, { algorithms: [SIGNING_ALG], ...options });
      return { payload, typ: protectedHeader.typ };
    },
  };
}
