// Baseline A of the step-up benchmark: a bare node:http server that reads
// the request body and answers each request with one ES256 JWT signed by
// jose (the key generated once at start-up, SignJWT with a few claims), the
// floor of "issue a signed receipt" in Node.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** Who the baseline's receipts say issued them. */
export const JWT_ISSUER = 'http://jwt.bench';

/**
 * Starts the signing server on 127.0.0.1 (port 0).
 *
 * @returns {Promise<{ port: number, setup: { jwk: object }, close: () => Promise<void> }>} jwk: the public key, to verify the receipts
 */
export async function startJwtSigner() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const { challenge_id: challengeId } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const receipt = await new SignJWT({ challenge_id: challengeId, acr: 'aal2', amr: ['pwd', 'otp'] })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .setIssuer(JWT_ISSUER).setSubject('user').setAudience('bench').setIssuedAt().setExpirationTime('5m').setJti(randomUUID())
        .sign(privateKey);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ receipt }));
    });
  });
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    setup: { jwk: { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' } },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
