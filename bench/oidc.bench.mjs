// The OIDC benchmark: Stepwise's protocol endpoints against a bare
// oidc-provider (the same package and version, on node:http with its
// in-memory adapter) signing with the same key and issuing the same JWT
// access tokens. Four paths: the refresh_token grant, the client_credentials
// grant, discovery and the JWKS. Goal for each: ≥ 0.9× the bare provider's
// req/s, paired within each round. Stepwise's refresh token comes from a
// real sign-in on its pages; the bare provider's from its own models.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, startServer } from './lib/measure.mjs';
import { pairedGoals, pairedMethodNote, pairedTables, runRounds } from './lib/paired.mjs';
import { checkAnswers, KINDS, requestOf } from './oidc/checks.mjs';
import { BENCH_API, BENCH_CLIENT_ID, BENCH_SCOPE, signInForTokens } from './oidc/setup.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.dirname(BENCH_DIR);
const SERVERS_ENTRY = path.join(BENCH_DIR, 'oidc', 'servers.mjs');

export const title = 'OIDC endpoints: Stepwise vs a bare oidc-provider (refresh_token, client_credentials, discovery, JWKS)';

const SERVER_LABELS = { stepwise: 'Stepwise', bare: 'bare oidc-provider' };
const SHORT = { refresh: 'refresh', client_credentials: 'cc', discovery: 'discovery', jwks: 'jwks' };

/** Each kind on both servers, the bare provider first; the Stepwise target is paired with it. */
const TARGETS = Object.keys(KINDS).flatMap((kind) => ['bare', 'stepwise'].map((server) => ({
  id: `${server === 'bare' ? 'bare' : 'sw'}_${SHORT[kind]}`,
  label: `${SERVER_LABELS[server]}: ${KINDS[kind].what}`,
  server,
  kind,
  ...(server === 'stepwise' ? { baseline: `bare_${SHORT[kind]}` } : {}),
})));

const GOALS = TARGETS.filter((target) => target.baseline).map((target) => ({
  goal: 'req/s ≥ 0.9× bare oidc-provider', target: target.id, ratio: 'rps', met: (value) => value >= 0.9,
}));

// From `node --cpu-prof` of the Stepwise server under each path alone (5 s,
// 32 connections) and the figures of the full run that wrote RESULTS.md.
const WHERE_THE_TIME_GOES =
  '**Where the time goes** (`node --cpu-prof` of the Stepwise server under each path alone; shares of its busy time; CPU per request: the Figures table below). ' +
  '*Token paths*: the ES256 signatures (about 17%, WebCrypto\'s job run on the main thread: one for client_credentials, two for refresh) and oidc-provider\'s own grant code are the same work on both servers. What only Stepwise does: the `token_issued` audit record, hash-chained (canonical JSON, SHA-256) and committed before the answer (about 9%; tokens issued together now share one commit), ' +
  'the database reads oidc-provider makes through our adapter on every request (the client row on both paths; the RefreshToken, Grant and the user for `findAccount` on refresh) and SQLite\'s own time for them and the audit append (about 5%), ' +
  'Fastify in front of Koa (routing, hooks, the hijack: 4–5%), and the security headers (3%). ' +
  'The token goals cannot be met against this baseline: the bare provider spends about 300 µs of CPU per client_credentials token with nothing stored, so 0.9× its rate leaves about 33 µs for everything Stepwise adds, less than the audit record alone. Keeping the audit record, the database and the security headers is the point of Stepwise; the remaining gap is their price. ' +
  '*GET paths* (goals met): Stepwise now answers discovery and the JWKS from memory after the provider\'s first answer (`http/oidc-mount.ts`; the JWKS goes back to the provider after every key reload), builds helmet\'s middleware once instead of on every request (`http/security-headers.ts`; it was 5–7% of these GETs), and compiles the adapter\'s and the client lookup\'s queries once. ' +
  'Left as they are, each a decision for its owner: caching client rows in the adapter for a few seconds (about 5% on /token, but a client removed with the CLI would keep working that long on every node), and serving the provider\'s routes beside Fastify rather than through it (would lose the metrics, security headers and logging those routes now get).';

function installedVersion(name, from) {
  return JSON.parse(readFileSync(path.join(from, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Runs the benchmark.
 *
 * @param {{ options: ReturnType<import('./lib/options.mjs').parseOptions>, layout: { pinned: boolean, cores: number } }} context
 * @returns {Promise<import('./lib/report.mjs').Report>}
 */
export async function run({ options, layout }) {
  const { rounds, durationSeconds, warmupSeconds, connections, cpuProfileDir } = options;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-oidc-'));
  const children = {};
  const start = (kind) => {
    const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=oidc-${kind}.cpuprofile`] : [];
    return startServer({ name: kind, entry: SERVERS_ENTRY, args: [kind, dataDir], nodeArgs, layout });
  };
  try {
    // Stepwise first: it writes the key, client and user the bare provider is built from.
    children.stepwise = await start('stepwise');
    const setup = JSON.parse(readFileSync(path.join(dataDir, 'setup.json'), 'utf8'));
    const signedIn = await signInForTokens(setup);
    children.bare = await start('bare');
    const bare = JSON.parse(readFileSync(path.join(dataDir, 'bare.json'), 'utf8'));
    const servers = {
      stepwise: { name: 'Stepwise', url: children.stepwise.url, issuer: setup.issuer, refreshToken: signedIn.refresh_token },
      bare: { name: 'bare oidc-provider', url: children.bare.url, issuer: bare.issuer, refreshToken: bare.refreshToken },
    };
    const shapes = await checkAnswers(servers, setup);
    console.log('oidc: both servers answer 200, their tokens verify with their JWKS (the same key), the same claims; refresh tokens are not rotated');

    const results = await runRounds({
      name: 'oidc',
      targets: TARGETS,
      rounds,
      measureTarget: (target, label) => {
        const server = servers[target.server];
        const { path: route, ...request } = requestOf(target.kind, { clientSecret: setup.clientSecret, refreshToken: server.refreshToken });
        return measure({
          label, url: server.url + route, serverPid: children[target.server].pid, ...request,
          expectStatus: 200, durationSeconds, warmupSeconds, connections,
        });
      },
    });
    // Under load nothing may have drifted: the same answers, the refresh tokens still unrotated.
    await checkAnswers(servers, setup);
    return buildReport({ results, options, layout, shapes, setup });
  } finally {
    await Promise.all(Object.values(children).map((child) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function buildReport({ results, options, layout, shapes: both, setup }) {
  const shapes = both.stepwise;
  const versions = [
    `oidc-provider ${installedVersion('oidc-provider', REPO_DIR)}`,
    `fastify ${installedVersion('fastify', REPO_DIR)}`,
    `better-sqlite3 ${installedVersion('better-sqlite3', REPO_DIR)}`,
    `kysely ${installedVersion('kysely', REPO_DIR)}`,
    `autocannon ${installedVersion('autocannon', BENCH_DIR)}`,
  ];
  const ttl = `access and ID tokens ${setup.ttl.accessToken} s, refresh tokens ${setup.ttl.refreshToken} s`;
  const intro = [
    'Each Stepwise path against the same request to a bare oidc-provider, one server process at a time under load.',
    '',
    '- **Stepwise**: `createServer(loadConfig({ file: <tmp>/stepwise.yaml }))` from `packages/server/dist`: SQLite in a temporary data folder, `log_level: silent`, ' +
      `\`resources: [${BENCH_API}]\`, default lifetimes (${ttl}). One user with a password and one confidential client \`${BENCH_CLIENT_ID}\` ` +
      '(client_secret_basic; grants authorization_code, refresh_token, client_credentials; what `stepwise clients add --confidential --client-credentials` stores), both in the database. ' +
      'Its /token, discovery and /jwks go through Fastify to oidc-provider (`http/oidc-mount.ts`), with Stepwise\'s database adapter, key-ring freshness check and `token_issued` audit record (written, hash-chained, before the answer).',
    '- **bare oidc-provider**: the package the server uses, `new Provider(issuer, config)` on `http.createServer(provider.callback())`, its default in-memory adapter and the client as a static `clients` entry. ' +
      'It is given **Stepwise\'s active ES256 private JWK**, exported from Stepwise\'s key store (`server.signingKeys`), and Stepwise\'s token settings: resourceIndicators with the same resource (audience), `accessTokenFormat: jwt` ES256, ' +
      'the same lifetimes, scopes and claims (`openid`: sub acr amr auth_time; `profile`: name preferred_username), `extraTokenClaims` copying acr/amr/auth_time from the code or refresh token, `issueRefreshToken` for every client allowed the grant, PKCE for all, ' +
      'and the same features on (claimsParameter, clientCredentials, PAR, revocation, rpInitiatedLogout) but not Stepwise\'s rich authorization request types, interaction pages, login checks or audit.',
    '',
    `- **refresh_token**: \`POST /token\` with HTTP Basic client authentication and \`grant_type=refresh_token\`, the same refresh token replayed on every request. Stepwise's comes from a real sign-in: an authorization code flow (PKCE, \`scope=${BENCH_SCOPE}\`, \`prompt=consent\`, \`resource\` the API) through Stepwise's sign-in page with the password, then the code exchange. ` +
      'The bare provider\'s is created through its models (a Grant with the same scopes for the resource, a RefreshToken at aal1/pwd with the same scope and resource), as its code exchange would store it. ' +
      'Neither rotates it: neither configuration sets `rotateRefreshToken`, and oidc-provider\'s default rotates a confidential client\'s refresh token only after 70% of its lifetime. Each answer is a JWT access token and an ID token (two ES256 signatures).',
    `- **client_credentials**: \`POST /token\` with HTTP Basic and \`grant_type=client_credentials&resource=${BENCH_API}\`: one JWT access token about the client, no user claims.`,
    `- **discovery**: \`GET /.well-known/openid-configuration\`: ${both.stepwise.discoveryBytes} bytes from Stepwise (its acr values, ${both.stepwise.discoveryRar ? 'RAR types, ' : ''}\`stepwise_acr_ranks\` and \`stepwise_acr_lifetimes\` besides), ${both.bare.discoveryBytes} from the bare provider.`,
    `- **jwks**: \`GET /jwks\`, the one shared public key on both (${both.stepwise.jwksBytes} and ${both.bare.jwksBytes} bytes).`,
    '',
    'Before measuring and again after, each server\'s four answers were checked: 200; its JWKS publishes the shared key (public half only); its discovery names its issuer, its `/jwks` and both grants; ' +
      'the refresh answer returns the same refresh token (not rotated), a JWT access token (`typ: at+jwt`, audience the API, aal1, pwd, auth_time) and an ID token, both verifying with that server\'s JWKS under the shared `kid`; ' +
      `the client_credentials token verifies likewise with \`sub\` = \`client_id\` = the client and no acr/amr/auth_time; and the claim names are the same on both servers (access token after refresh: ${shapes.refreshAccess}; ID token: ${shapes.refreshId}; client_credentials: ${shapes.clientCredentials}). Every measured response was 200. ` +
      'Rate limits: Stepwise limits only its form posts (`@fastify/rate-limit` with `global: false`, 60 a minute per address, counted in the database); the provider\'s routes, /token included, carry none, so no 429 can occur here.',
    '',
    pairedMethodNote({ results, options, layout }),
    '',
    `Versions: ${versions.join(', ')}.`,
    '',
    WHERE_THE_TIME_GOES,
  ];
  return { title, intro, tables: pairedTables({ targets: TARGETS, results }), goals: pairedGoals({ goals: GOALS, targets: TARGETS, results }) };
}
