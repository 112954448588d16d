// Baseline A's row of the step-up benchmark: each request names a
// challenge id of its own (nothing to prepare), and each answer must be an
// ES256 JWT that verifies with the server's public key and names it.

import { importJWK, jwtVerify } from 'jose';
import { send } from '../lib/http.mjs';
import { JWT_ISSUER } from './jwt-server.mjs';

/**
 * The JWT-signing baseline over a started server.
 *
 * @param {{ url: string, setup: { jwk: object } }} server
 * @returns {Promise<import('./load.mjs').Target>}
 */
export async function jwtTarget({ url, setup }) {
  const publicKey = await importJWK(setup.jwk, 'ES256');
  let counter = 0;
  const headers = { 'content-type': 'application/json' };

  async function verifyReceipt(item, text) {
    const { payload } = await jwtVerify(JSON.parse(text).receipt, publicKey, { issuer: JWT_ISSUER, audience: 'bench' });
    if (payload.challenge_id !== item.challengeId) throw new Error(`jwt: the receipt names ${payload.challenge_id}, not ${item.challengeId}`);
  }

  return {
    path: () => '/',
    request: (item) => ({ headers, body: JSON.stringify({ challenge_id: item.challengeId }) }),
    prepare: async () => {},
    available: () => Infinity,
    draw: () => ({ challengeId: `chl_bench${(counter += 1)}` }),
    answered: (text) => text.startsWith('{"receipt":"ey'),
    verifyAnswer: verifyReceipt,
    async check() {
      const item = this.draw();
      const answer = await send(url, this.request(item));
      if (answer.status !== 200) return [`expected 200 with a receipt, got ${answer.status} ${answer.text}`];
      await verifyReceipt(item, answer.text);
      return [];
    },
  };
}
