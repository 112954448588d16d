// Child-process entry for the OIDC benchmark's two target servers:
//   stepwise  Stepwise itself, createServer(loadConfig({ file: <dir>/stepwise.yaml }))
//             from packages/server/dist, SQLite in <dir>, log_level silent, one
//             resource (the bench API). Before listening it creates a user with a
//             password and one confidential client (client_secret_basic; grants
//             authorization_code, refresh_token, client_credentials), and writes
//             <dir>/setup.json: the issuer, the client, the user, the token
//             lifetimes and the server's active ES256 private JWK, read from its
//             key store (server.signingKeys), so the bare provider signs with it too.
//   bare      oidc-provider alone (the copy the server uses, root node_modules) on
//             node:http (provider.callback()), its default in-memory adapter, built
//             from <dir>/setup.json with the same key, client, resource, lifetimes,
//             claims and token hooks (see bareConfiguration). It creates the
//             user's Grant and RefreshToken through the provider's models (what an
//             authorization code exchange would store) and writes <dir>/bare.json.
// Usage: node bench/oidc/servers.mjs <stepwise|bare> <dir>
// Prints `READY <port>` once listening on 127.0.0.1; SIGTERM exits cleanly, so
// that --cpu-prof can write its profile.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { BENCH_API, BENCH_CLIENT_ID, BENCH_REDIRECT_URI, BENCH_SCOPE, BENCH_USER } from './setup.mjs';

/** A free loopback port: the issuer must name its port before the server listens. */
async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function writeSecretFile(file, value) {
  writeFileSync(file, JSON.stringify(value), { mode: 0o600 });
}

async function startStepwise(dir) {
  const { clients, createServer, epochSeconds, hashPassword, loadConfig, users } = await import('../../packages/server/dist/src/index.js');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const file = path.join(dir, 'stepwise.yaml');
  // JSON is YAML.
  const yaml = { issuer, host: '127.0.0.1', port, data_dir: dir, log_level: 'silent', resources: [BENCH_API] };
  writeFileSync(file, `${JSON.stringify(yaml, null, 2)}\n`);
  const server = await createServer(loadConfig({ file, env: {} }));
  const { db } = server.database;
  const user = await users.createUser(db, {
    username: BENCH_USER.username, passwordHash: await hashPassword(BENCH_USER.password), displayName: BENCH_USER.displayName,
  });
  const clientSecret = randomBytes(32).toString('base64url');
  // What `stepwise clients add bench-backend --redirect-uri … --confidential --client-credentials` stores.
  await clients.insertClient(db, {
    client_id: BENCH_CLIENT_ID, client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'], redirect_uris: [BENCH_REDIRECT_URI],
  }, epochSeconds());
  const active = server.signingKeys.keys().find((key) => key.active);
  if (!active) throw new Error('stepwise: no active signing key');
  const { tokens } = server.services.config;
  writeSecretFile(path.join(dir, 'setup.json'), {
    issuer, clientSecret, userId: user.id, signingJwk: active.jwk,
    ttl: { accessToken: tokens.accessTokenTtl, idToken: tokens.idTokenTtl, refreshToken: tokens.refreshTokenTtl, session: tokens.sessionTtl },
  });
  await server.listen();
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.app.server.keepAliveTimeout = 60_000;
  return { port, close: () => server.close() };
}

/**
 * The bare provider's configuration: what Stepwise's createProvider sets
 * that shapes these four answers (key, client, scopes, claims, resource
 * server, lifetimes, token hooks, PKCE, the features on and off), nothing of
 * Stepwise's own (its adapter, interaction pages and checks, audit).
 */
function bareConfiguration(Provider, setup, issuer) {
  const { errors } = Provider;
  const allowedResources = new Set([issuer, BENCH_API]);
  const scopes = ['openid', 'profile', 'email', 'offline_access'];
  const account = { accountId: setup.userId, claims: async () => ({ sub: setup.userId, preferred_username: BENCH_USER.username, name: BENCH_USER.displayName }) };
  return {
    clients: [{
      client_id: BENCH_CLIENT_ID, client_secret: setup.clientSecret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'], redirect_uris: [BENCH_REDIRECT_URI],
    }],
    jwks: { keys: [setup.signingJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes,
    responseTypes: ['code'],
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], profile: ['name', 'preferred_username'], email: ['email'] },
    pkce: { required: () => true },
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
    ttl: {
      AccessToken: setup.ttl.accessToken, IdToken: setup.ttl.idToken, RefreshToken: setup.ttl.refreshToken, ClientCredentials: setup.ttl.accessToken,
      Session: setup.ttl.session, Grant: setup.ttl.session, Interaction: 3600, AuthorizationCode: 60,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => issuer,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!allowedResources.has(resource)) throw new errors.InvalidTarget();
          return { scope: scopes.join(' '), audience: resource, accessTokenTTL: setup.ttl.accessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    // Stepwise's token hooks (oidc/provider.ts), so both issue the same tokens.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: async (ctx) => {
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    findAccount: async (_ctx, sub) => (sub === setup.userId ? account : undefined),
  };
}

/**
 * The Grant and RefreshToken an authorization code exchange would store
 * for the user after a password sign-in at aal1, with Stepwise's scope and
 * resource: its grant holds every supported scope for the resource, as
 * Stepwise's loadExistingGrant records.
 */
async function issueRefreshToken(provider, setup) {
  const client = await provider.Client.find(BENCH_CLIENT_ID);
  const grant = new provider.Grant({ accountId: setup.userId, clientId: BENCH_CLIENT_ID });
  grant.addOIDCScope(BENCH_SCOPE);
  grant.addResourceScope(BENCH_API, 'openid profile email offline_access');
  const grantId = await grant.save();
  const now = Math.floor(Date.now() / 1000);
  const refreshToken = new provider.RefreshToken({
    accountId: setup.userId, acr: 'aal1', amr: ['pwd'], authTime: now, client, grantId, gty: 'authorization_code',
    scope: BENCH_SCOPE, resource: BENCH_API, expiresWithSession: false, iiat: now, claims: {},
  });
  return refreshToken.save();
}

async function startBare(dir) {
  const { default: Provider } = await import('oidc-provider');
  const setup = JSON.parse(readFileSync(path.join(dir, 'setup.json'), 'utf8'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, bareConfiguration(Provider, setup, issuer));
  writeSecretFile(path.join(dir, 'bare.json'), { issuer, refreshToken: await issueRefreshToken(provider, setup) });
  const server = http.createServer(provider.callback());
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const [kind, dir] = process.argv.slice(2);
if (!['stepwise', 'bare'].includes(kind) || !dir) {
  console.error('usage: node bench/oidc/servers.mjs <stepwise|bare> <dir>');
  process.exit(2);
}
const started = kind === 'stepwise' ? await startStepwise(dir) : await startBare(dir);
console.log(`READY ${started.port}`);
process.on('SIGTERM', () => {
  started.close().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
});
