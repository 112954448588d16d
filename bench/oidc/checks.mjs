// The OIDC benchmark's requests and the checks of their answers: each
// target's request (refresh_token and client_credentials grants with the
// client's secret in HTTP Basic, discovery, JWKS), and what both servers
// must answer before and after the measurements: 200, tokens that verify
// with the server's own JWKS (the same key on both), the same claims.

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { basicAuth, BENCH_API, BENCH_CLIENT_ID, BENCH_SCOPE } from './setup.mjs';
import { send } from '../lib/http.mjs';

/** The four requests, by kind. */
export const KINDS = Object.freeze({
  refresh: { method: 'POST', path: '/token', what: '`POST /token` grant_type=refresh_token' },
  client_credentials: { method: 'POST', path: '/token', what: '`POST /token` grant_type=client_credentials' },
  discovery: { method: 'GET', path: '/.well-known/openid-configuration', what: '`GET /.well-known/openid-configuration`' },
  jwks: { method: 'GET', path: '/jwks', what: '`GET /jwks`' },
});

/**
 * What a target sends: the same request to both servers, but for the
 * refresh token, each server's own.
 *
 * @param {keyof typeof KINDS} kind
 * @param {{ clientSecret: string, refreshToken: string }} server - the secret (shared) and this server's refresh token
 * @returns {{ method: string, path: string, headers: Record<string, string>, body?: string }}
 */
export function requestOf(kind, { clientSecret, refreshToken }) {
  const { method, path } = KINDS[kind];
  if (method === 'GET') return { method, path, headers: { accept: 'application/json' } };
  const form = kind === 'refresh'
    ? { grant_type: 'refresh_token', refresh_token: refreshToken }
    : { grant_type: 'client_credentials', resource: BENCH_API };
  return {
    method,
    path,
    headers: { authorization: basicAuth(clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  };
}

function sendTo(url, { method, path, headers, body }) {
  return send(url + path, { method, headers, body });
}

const claimNames = (payload) => Object.keys(payload).sort().join(',');

/**
 * Sends each request once to one server and checks its answer. Returns the
 * claim names of each token, for comparing the two servers.
 *
 * @param {{ name: string, url: string, issuer: string, refreshToken: string }} server
 * @param {{ clientSecret: string, userId: string, signingJwk: { kid: string, x: string, y: string } }} setup
 * @param {string[]} failures - where a wrong answer is described
 */
async function checkServer(server, setup, failures) {
  const fail = (what, answer, expected) => failures.push(`${server.name} ${what}: expected ${expected}, got ${answer.status} ${answer.text.slice(0, 400)}`);
  const shapes = {};
  const own = { clientSecret: setup.clientSecret, refreshToken: server.refreshToken };

  const jwks = await sendTo(server.url, requestOf('jwks', own));
  const published = jwks.json?.keys?.find((key) => key.kid === setup.signingJwk.kid);
  if (jwks.status !== 200 || published?.x !== setup.signingJwk.x || published?.y !== setup.signingJwk.y || published?.d !== undefined) {
    fail('jwks', jwks, `200 with the shared ES256 public key ${setup.signingJwk.kid}`);
    return shapes;
  }
  const keySet = createLocalJWKSet(jwks.json);
  shapes.jwksBytes = Buffer.byteLength(jwks.text);

  const discovery = await sendTo(server.url, requestOf('discovery', own));
  const metadata = discovery.json;
  if (discovery.status !== 200 || metadata?.issuer !== server.issuer || metadata.jwks_uri !== `${server.issuer}/jwks` ||
      !['refresh_token', 'client_credentials'].every((grant) => metadata.grant_types_supported?.includes(grant))) {
    fail('discovery', discovery, `200 naming issuer ${server.issuer}, its /jwks and both grants`);
  }
  shapes.discoveryBytes = Buffer.byteLength(discovery.text);
  shapes.discoveryRar = Array.isArray(metadata?.authorization_details_types_supported);

  const verify = async (token, options) => {
    if (decodeProtectedHeader(token).kid !== setup.signingJwk.kid) throw new Error('not signed with the shared key');
    return (await jwtVerify(token, keySet, { issuer: server.issuer, ...options })).payload;
  };

  const refreshed = await sendTo(server.url, requestOf('refresh', own));
  try {
    if (refreshed.status !== 200) throw new Error('status');
    const { access_token: accessToken, id_token: idToken, refresh_token: refreshToken, scope } = refreshed.json;
    if (refreshToken !== server.refreshToken) throw new Error('the refresh token was rotated: the measurement replays one');
    if (scope !== BENCH_SCOPE) throw new Error(`scope ${scope}`);
    const access = await verify(accessToken, { audience: BENCH_API, typ: 'at+jwt' });
    if (access.sub !== setup.userId || access.client_id !== BENCH_CLIENT_ID || access.acr !== 'aal1' || access.amr?.join() !== 'pwd' || typeof access.auth_time !== 'number') {
      throw new Error(`access token claims ${JSON.stringify(access)}`);
    }
    const id = await verify(idToken, { audience: BENCH_CLIENT_ID });
    if (id.sub !== setup.userId || id.acr !== 'aal1' || id.preferred_username === undefined) throw new Error(`ID token claims ${JSON.stringify(id)}`);
    shapes.refreshAccess = claimNames(access);
    shapes.refreshId = claimNames(id);
  } catch (error) {
    fail('refresh_token', refreshed, `200 with a JWT access token (aal1, pwd, for the API) and an ID token, verified with the JWKS, the refresh token not rotated (${error.message})`);
  }

  const issued = await sendTo(server.url, requestOf('client_credentials', own));
  try {
    if (issued.status !== 200 || issued.json.refresh_token !== undefined || issued.json.id_token !== undefined) throw new Error('status or extra tokens');
    const access = await verify(issued.json.access_token, { audience: BENCH_API, typ: 'at+jwt' });
    if (access.sub !== BENCH_CLIENT_ID || access.client_id !== BENCH_CLIENT_ID || ['acr', 'amr', 'auth_time'].some((claim) => claim in access)) {
      throw new Error(`claims ${JSON.stringify(access)}`);
    }
    shapes.clientCredentials = claimNames(access);
  } catch (error) {
    fail('client_credentials', issued, `200 with a JWT access token for the API about the client, no user claims, verified with the JWKS (${error.message})`);
  }
  return shapes;
}

/**
 * Checks both servers' four answers and that their tokens carry the same
 * claim names. Throws with every wrong answer.
 *
 * @param {Record<'stepwise' | 'bare', { name: string, url: string, issuer: string, refreshToken: string }>} servers
 * @param {{ clientSecret: string, userId: string, signingJwk: { kid: string, x: string, y: string } }} setup
 * @returns {Promise<{ stepwise: Record<string, string | number | boolean>, bare: Record<string, string | number | boolean> }>}
 *   per server: the claim names of each token (the same on both), the sizes of the discovery and JWKS answers
 */
export async function checkAnswers(servers, setup) {
  const failures = [];
  const stepwise = await checkServer(servers.stepwise, setup, failures);
  const bare = await checkServer(servers.bare, setup, failures);
  for (const token of ['refreshAccess', 'refreshId', 'clientCredentials']) {
    if (stepwise[token] && bare[token] && stepwise[token] !== bare[token]) failures.push(`${token}: Stepwise's claims ${stepwise[token]} differ from the bare provider's ${bare[token]}`);
  }
  if (failures.length > 0) throw new Error(`the OIDC benchmark's servers do not answer as it requires:\n  ${failures.join('\n  ')}`);
  return { stepwise, bare };
}
