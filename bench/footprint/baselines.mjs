// The footprint benchmark's baselines, each run as a child process the way
// `stepwise serve` is: `node baselines.mjs <kind>` with the port and issuer
// in the environment (FOOTPRINT_PORT, FOOTPRINT_ISSUER).
//
//   oidc-provider  the repository's oidc-provider (the one Stepwise embeds)
//                  on node:http, default configuration, one ES256 key from
//                  FOOTPRINT_JWK and cookie keys from FOOTPRINT_COOKIE_KEY,
//                  so that it neither generates nor warns about either
//   node-http      bare node:http answering the discovery path with the
//                  issuer alone: the floor of a Node server's start
//   stepwise-modules  node-http after importing the `stepwise` command's
//                  modules (packages/cli/dist, and through it the server's):
//                  what loading Stepwise's code costs, apart from starting it
//
// Both answer GET /.well-known/openid-configuration once listening, which is
// what the cold-start figure waits for.

import http from 'node:http';

const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Listens on FOOTPRINT_PORT (127.0.0.1) with `handler`. */
function listen(handler) {
  const server = http.createServer(handler);
  server.listen(Number(process.env.FOOTPRINT_PORT), '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

async function startOidcProvider(issuer) {
  // Imported here, not at the top: the node-http floor must not load it.
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer, {
    jwks: { keys: [JSON.parse(process.env.FOOTPRINT_JWK)] },
    cookies: { keys: [process.env.FOOTPRINT_COOKIE_KEY] },
  });
  listen(provider.callback());
}

function startNodeHttp(issuer) {
  const body = JSON.stringify({ issuer });
  listen((req, res) => {
    if (req.url === DISCOVERY_PATH) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404).end();
  });
}

const [kind] = process.argv.slice(2);
const issuer = process.env.FOOTPRINT_ISSUER;
if (kind === 'oidc-provider') {
  await startOidcProvider(issuer);
} else if (kind === 'node-http') {
  startNodeHttp(issuer);
} else if (kind === 'stepwise-modules') {
  await import('../../packages/cli/dist/src/main.js');
  startNodeHttp(issuer);
} else {
  throw new Error(`usage: node baselines.mjs oidc-provider|node-http|stepwise-modules (got ${JSON.stringify(kind)})`);
}
