// A real Stepwise-like issuer for the guard's tests: a node:http server on a
// loopback port that serves discovery and a JWKS of real ES256 keys, signs
// RFC 9068 access tokens (bound to a transaction or not), rotates and
// withdraws keys, and can go down.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { transactionHash, type AuthorizationDetail } from '@stepwise/core';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { closeServer } from './http.js';

/** The resource indicator of the API under test: the guard's `audience`. */
export const API_AUDIENCE = 'https://api.example';
export const ACR_RANKS = { aal1: 1, aal2: 2, aal3: 3 };
export const ACR_LIFETIMES = { aal1: 2_592_000, aal2: 86_400, aal3: 43_200 };

export interface IssuerOptions {
  /** Epoch seconds for `iat`, `exp` and `auth_time` defaults; default the real clock. */
  readonly now?: () => number;
  /** Publish `alg` in each JWK (as most issuers do); default true. */
  readonly publishAlg?: boolean;
  /** Discovery fields to add or replace; `undefined` removes one. */
  readonly discovery?: Readonly<Record<string, unknown>>;
}

export interface SignOptions {
  /** Header parameters to set, or with `undefined` to drop (`typ`, `kid`, `alg`, `jwk`…). */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Signs with the issuer's key of this id (still published or not) instead of the current one. */
  readonly kid?: string;
  /** Signs with this key instead: an attacker's private key or an HMAC secret. */
  readonly key?: CryptoKey | Uint8Array;
  /**
   * Rewrites the payload's JSON text before it is signed, to spell a value
   * otherwise than JSON.stringify does (`1.0`, `\u00e9`).
   */
  readonly rewrite?: (json: string) => string;
}

export interface TestIssuer {
  /** The issuer identifier and base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Id of the key {@link TestIssuer.sign} uses by default. */
  readonly kid: string;
  /**
   * Signs an at+jwt access token: ES256, defaults for every usual claim,
   * `claims` override them (`undefined` drops one).
   */
  sign(claims?: Readonly<Record<string, unknown>>, options?: SignOptions): Promise<string>;
  /**
   * Signs an access token bound to a transaction, as the issuer does after
   * the user approved it: `authorization_details` and their `txn` hash, aal2.
   */
  signBound(details: readonly AuthorizationDetail[], claims?: Readonly<Record<string, unknown>>, options?: SignOptions): Promise<string>;
  /** Publishes a new key and signs with it from now on; the old one stays published. */
  rotate(): Promise<string>;
  /** Stops publishing a key. */
  removeKey(kid: string): void;
  /** While down, every request is answered 503. */
  setDown(down: boolean): void;
  /** The public keys as published. */
  publicJwks(): JWK[];
  /** Requests to the JWKS URI so far, answered or not. */
  jwksFetches(): number;
  /** Requests to the discovery document so far, answered or not. */
  discoveryFetches(): number;
  close(): Promise<void>;
}

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newKey(kid: string, publishAlg: boolean): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicJwk: { ...jwk, kid, use: 'sig', ...(publishAlg ? { alg: 'ES256' } : {}) } };
}

/**
 * Starts an issuer on 127.0.0.1, port 0.
 *
 * @param options - clock, JWK and discovery variations
 * @example
 * ```ts
 * const issuer = await startIssuer();
 * const token = await issuer.sign({ acr: 'aal2', amr: ['pwd', 'otp'] });
 * ```
 */
export async function startIssuer(options: IssuerOptions = {}): Promise<TestIssuer> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const publishAlg = options.publishAlg ?? true;
  const keys = new Map<string, SigningKey>();
  const published = new Set<string>();
  let currentKid = `key-${randomUUID()}`;
  keys.set(currentKid, await newKey(currentKid, publishAlg));
  published.add(currentKid);
  let down = false;
  let jwksFetches = 0;
  let discoveryFetches = 0;
  let url = '';

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/jwks') jwksFetches += 1;
    if (path === '/.well-known/openid-configuration') discoveryFetches += 1;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (down) return json(503, { error: 'temporarily_unavailable' });
    if (path === '/jwks') return json(200, { keys: [...published].map((kid) => keys.get(kid)!.publicJwk) });
    if (path === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: url,
        jwks_uri: `${url}/jwks`,
        stepwise_acr_ranks: ACR_RANKS,
        stepwise_acr_lifetimes: ACR_LIFETIMES,
        ...options.discovery,
      });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: TestIssuer = {
    url,
    get kid() {
      return currentKid;
    },
    async sign(claims = {}, signOptions = {}) {
      const issuedAt = now();
      const payload = {
        iss: url,
        aud: API_AUDIENCE,
        sub: 'usr_alice',
        client_id: 'bank-web',
        iat: issuedAt,
        exp: issuedAt + 600,
        auth_time: issuedAt,
        acr: 'aal1',
        amr: ['pwd'],
        jti: randomUUID(),
        ...claims,
      };
      const kid = signOptions.kid ?? currentKid;
      const key = signOptions.key ?? keys.get(kid)?.privateKey;
      if (!key) throw new Error(`the test issuer has no key ${kid}`);
      const header = { alg: 'ES256', typ: 'at+jwt', kid, ...signOptions.header } as { alg: string };
      if (signOptions.rewrite) {
        const text = signOptions.rewrite(JSON.stringify(payload));
        return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader(header).sign(key);
      }
      return new SignJWT(payload).setProtectedHeader(header).sign(key);
    },
    signBound(details, claims = {}, signOptions = {}) {
      return issuer.sign({ acr: 'aal2', amr: ['pwd', 'otp'], authorization_details: details, txn: transactionHash(details), ...claims }, signOptions);
    },
    async rotate() {
      currentKid = `key-${randomUUID()}`;
      keys.set(currentKid, await newKey(currentKid, publishAlg));
      published.add(currentKid);
      return currentKid;
    },
    removeKey(kid) {
      published.delete(kid);
    },
    setDown(value) {
      down = value;
    },
    publicJwks: () => [...published].map((kid) => ({ ...keys.get(kid)!.publicJwk })),
    jwksFetches: () => jwksFetches,
    discoveryFetches: () => discoveryFetches,
    close: () => closeServer(server),
  };
  return issuer;
}
