// Child-process entry for the decision benchmark's two target servers:
//   hello     bare node:http answering every request (its body read) with a small JSON
//   stepwise  Stepwise itself, createServer(loadConfig({ file: <dir>/stepwise.yaml }))
//             from packages/server/dist, SQLite in <dir>, the bench policy of
//             bench/policy/rules.mjs, risk settings left at their defaults
// Usage: node bench/decisions/servers.mjs <hello|stepwise> [<dir>]
// For stepwise, writes <dir>/setup.json ({ subject, apiKey, token }) before
// listening: one user, one API key, and an aal1 token for that user signed
// with the server's own keys, as an ID token it issued would be.
// Prints `READY <port>` once listening on 127.0.0.1 (port 0); SIGTERM exits
// cleanly, so that --cpu-prof can write its profile.

import http from 'node:http';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { toYamlPolicy } from '../policy/rules.mjs';

const TOKEN_LIFETIME = 3 * 3600;

async function startHello() {
  const body = '{"hello":"world"}';
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body));
  });
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startStepwise(dir) {
  const { apiKeys, createServer, epochSeconds, loadConfig, users } = await import('../../packages/server/dist/src/index.js');
  const file = path.join(dir, 'stepwise.yaml');
  // JSON is YAML: the same policy section an operator would write.
  const yaml = { issuer: 'http://127.0.0.1', host: '127.0.0.1', port: 0, data_dir: dir, log_level: 'silent', policy: toYamlPolicy() };
  writeFileSync(file, `${JSON.stringify(yaml, null, 2)}\n`);
  const server = await createServer(loadConfig({ file, env: {} }));
  const { db } = server.database;
  const now = epochSeconds();
  const user = await users.createUser(db, { username: 'bench-user', passwordHash: null, displayName: 'Bench User' });
  const { key } = await apiKeys.createApiKey(db, { name: 'bench-backend', returnTo: [] }, now);
  const token = await server.services.tokenKeys.sign(
    { iss: server.services.config.issuer, sub: user.id, aud: 'bench-backend', iat: now, exp: now + TOKEN_LIFETIME, acr: 'aal1', amr: ['pwd'], auth_time: now },
    'JWT',
  );
  writeFileSync(path.join(dir, 'setup.json'), JSON.stringify({ subject: user.id, apiKey: key, token }));
  const url = await server.listen();
  // autocannon keeps connections open between runs; no idle cut-off mid-measurement.
  server.app.server.keepAliveTimeout = 60_000;
  return { port: Number(new URL(url).port), close: () => server.close() };
}

const [kind, dir] = process.argv.slice(2);
if (!['hello', 'stepwise'].includes(kind) || (kind === 'stepwise' && !dir)) {
  console.error('usage: node bench/decisions/servers.mjs <hello|stepwise> [<dir>]');
  process.exit(2);
}
const started = kind === 'hello' ? await startHello() : await startStepwise(dir);
console.log(`READY ${started.port}`);
process.on('SIGTERM', () => {
  started.close().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
});
