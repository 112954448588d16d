// A stand-in for the Stepwise issuer on 127.0.0.1: the discovery document
// (with Stepwise's acr ranks and lifetimes) and the JWKS of one ES256 key,
// and access tokens signed the way Stepwise signs them (RFC 9068 at+jwt).
// Benchmarks need the issuer's answers, not its sign-in flows.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** The levels Stepwise publishes by default (`stepwise_acr_ranks`). */
export const ACR_RANKS = Object.freeze({ aal1: 1, aal2: 2, aal3: 3 });

/** Their lifetimes in seconds (`stepwise_acr_lifetimes`): 30 days, 24 h, 12 h. */
export const ACR_LIFETIMES = Object.freeze({ aal3: 12 * 3600, aal2: 24 * 3600, aal1: 30 * 24 * 3600 });

// What a user typically shows at each level (RFC 8176 amr values).
const AMR_BY_ACR = { aal1: ['pwd'], aal2: ['pwd', 'otp'], aal3: ['hwk'] };

const ACCESS_TOKEN_LIFETIME = 3600;

/**
 * Starts the issuer on a free loopback port.
 *
 * @param {{ clientId?: string }} [options]
 * @returns {Promise<{ issuer: string, jwksUri: string, signAccessToken: (claims: { audience: string, acr: string, authTime?: number, subject?: string, scope?: string }) => Promise<string>, close: () => Promise<void> }>}
 * @example
 * const issuer = await startIssuer();
 * const token = await issuer.signAccessToken({ audience: 'http://127.0.0.1:4000/api', acr: 'aal2' });
 */
export async function startIssuer({ clientId = 'bench-client' } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

  let discovery;
  const server = http.createServer((req, res) => {
    const body = req.url === '/.well-known/openid-configuration' ? discovery : req.url === '/jwks' ? { keys: [jwk] } : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(JSON.stringify(body));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const jwksUri = `${issuer}/jwks`;
  discovery = {
    issuer,
    jwks_uri: jwksUri,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    acr_values_supported: Object.keys(ACR_RANKS),
    id_token_signing_alg_values_supported: ['ES256'],
    stepwise_acr_ranks: ACR_RANKS,
    stepwise_acr_lifetimes: ACR_LIFETIMES,
  };

  /**
   * Signs an access token for `audience` at level `acr`; `authTime` defaults to now.
   */
  async function signAccessToken({ audience, acr, authTime, subject = 'user-1', scope = 'openid transfers' }) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      client_id: clientId,
      scope,
      acr,
      amr: AMR_BY_ACR[acr] ?? ['pwd'],
      auth_time: authTime ?? now,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_LIFETIME)
      .sign(privateKey);
  }

  async function close() {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  return { issuer, jwksUri, signAccessToken, close };
}
