import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload, type JWTVerifyOptions } from 'jose';
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
  const privateKey = await importJWK(active.jwk, SIGNING_ALG);
  const keySet = createLocalJWKSet({ keys: keys.map((key) => publicPart(key.jwk)) });
  return {
    signingKid: () => active.kid,
    sign: (claims, typ) => new SignJWT(claims).setProtectedHeader({ alg: SIGNING_ALG, kid: active.kid, typ }).sign(privateKey),
    async verify(token, options) {
      const { payload, protectedHeader } = await jwtVerify(token, keySet, { algorithms: [SIGNING_ALG], ...options });
      return { payload, typ: protectedHeader.typ };
    },
  };
}
