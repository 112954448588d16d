// Child-process entry for the guard benchmark's three target servers, each
// protecting the same route (acr aal2, max_age 300) and answering
// {"ok":true} on success:
//   bare-jose           node:http, jose.jwtVerify with a cached key, hand-written checks and RFC 9470 401
//   guard               node:http, @stepwise/guard's guard.node()
//   express-jwt-bearer  Express 5, express-oauth2-jwt-bearer auth() + claimCheck()
// Usage: node bench/guard/servers.mjs <bare-jose|guard|express-jwt-bearer> <issuer> <audience>
// Prints `READY <port>` once listening on 127.0.0.1 (port 0); SIGTERM exits
// cleanly, so that --cpu-prof can write its profile. Each server imports
// only its own library, so no process carries another's modules.

import http from 'node:http';
import { CLOCK_TOLERANCE, REQUIREMENT, ROUTE } from './route.mjs';

const OK_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const OK_BODY = '{"ok":true}';

function notFound(res) {
  res.writeHead(404, OK_HEADERS).end('{"error":"not_found"}');
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

// What a careful hand-written resource server does with jose alone: keys and
// ranks fetched once at start, constant answers precomputed.
async function bareJoseHandler(issuer, audience) {
  const { importJWK, jwtVerify } = await import('jose');
  const discovery = await fetchJson(`${issuer}/.well-known/openid-configuration`);
  const { keys } = await fetchJson(discovery.jwks_uri);
  const cachedKey = await importJWK(keys[0], 'ES256');
  const ranks = discovery.stepwise_acr_ranks;
  const requiredRank = ranks[REQUIREMENT.acr];

  const refusalHeaders = (challenge) => ({ ...OK_HEADERS, 'cache-control': 'no-store', 'www-authenticate': challenge });
  const insufficient = (description) => ({
    headers: refusalHeaders(
      `Bearer error="insufficient_user_authentication", error_description="${description}", acr_values="${REQUIREMENT.acr}", max_age=${REQUIREMENT.maxAge}`,
    ),
    body: JSON.stringify({
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message: description,
      oauth_error: 'insufficient_user_authentication',
      acr_values: [REQUIREMENT.acr],
      max_age: REQUIREMENT.maxAge,
    }),
  });
  const levelTooLow = insufficient('A different authentication level is required');
  const tooOld = insufficient('More recent authentication is required');
  const invalid = {
    headers: refusalHeaders('Bearer error="invalid_token", error_description="The access token is not valid for this API"'),
    body: '{"error":"ERR_TOKEN_INVALID"}',
  };
  const missing = { headers: refusalHeaders('Bearer'), body: '{"error":"ERR_TOKEN_MISSING"}' };

  return async (req, res) => {
    if (req.url !== ROUTE) return notFound(res);
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) return res.writeHead(401, missing.headers).end(missing.body);
    let payload;
    try {
      ({ payload } = await jwtVerify(header.slice(7), cachedKey, { issuer, audience, algorithms: ['ES256'], typ: 'at+jwt' }));
    } catch {
      return res.writeHead(401, invalid.headers).end(invalid.body);
    }
    if (!((ranks[payload.acr] ?? 0) >= requiredRank)) return res.writeHead(401, levelTooLow.headers).end(levelTooLow.body);
    const age = Date.now() / 1000 - payload.auth_time;
    if (!(age <= REQUIREMENT.maxAge + CLOCK_TOLERANCE)) return res.writeHead(401, tooOld.headers).end(tooOld.body);
    res.writeHead(200, OK_HEADERS).end(OK_BODY);
  };
}

async function guardHandler(issuer, audience) {
  const { createGuard } = await import('../../packages/guard/dist/src/index.js');
  const guard = createGuard({ issuer, audience });
  // Discovery and keys now, not inside the first measured request.
  await guard.ready([REQUIREMENT]);
  return async (req, res) => {
    if (req.url !== ROUTE) return notFound(res);
    const verified = await guard.node(req, res, REQUIREMENT);
    if (!verified) return;
    res.writeHead(200, OK_HEADERS).end(OK_BODY);
  };
}

// The peer as its documentation shows it, with strict mode so that it checks
// typ at+jwt like the other two, and an error handler that answers the 401 it
// prepared (Express's default one would answer HTML).
async function expressJwtBearerHandler(issuer, audience) {
  const { default: express } = await import('express');
  const { auth, claimCheck } = await import('express-oauth2-jwt-bearer');
  const ranks = (await fetchJson(`${issuer}/.well-known/openid-configuration`)).stepwise_acr_ranks;
  const app = express();
  app.disable('x-powered-by');
  const enoughAssurance = claimCheck(
    (claims) =>
      (ranks[claims.acr] ?? 0) >= ranks[REQUIREMENT.acr] &&
      Date.now() / 1000 - claims.auth_time <= REQUIREMENT.maxAge + CLOCK_TOLERANCE,
    'A different authentication level is required',
  );
  app.get(ROUTE, auth({ issuerBaseURL: issuer, audience, tokenSigningAlg: 'ES256', strict: true }), enoughAssurance, (_req, res) => {
    res.json({ ok: true });
  });
  app.use((error, _req, res, _next) => {
    res.status(error.status ?? 500).set(error.headers ?? {}).json({ error: error.code ?? 'server_error', message: error.message });
  });
  return app;
}

const HANDLERS = { 'bare-jose': bareJoseHandler, guard: guardHandler, 'express-jwt-bearer': expressJwtBearerHandler };

const [kind, issuer, audience] = process.argv.slice(2);
if (!HANDLERS[kind] || !issuer || !audience) {
  console.error(`usage: node bench/guard/servers.mjs <${Object.keys(HANDLERS).join('|')}> <issuer> <audience>`);
  process.exit(2);
}
const handler = await HANDLERS[kind](issuer, audience);
const server = http.createServer(handler);
// autocannon keeps connections open between runs; no idle cut-off mid-measurement.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`READY ${server.address().port}`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
