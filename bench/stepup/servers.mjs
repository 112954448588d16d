// Child-process entry for the step-up benchmark's three target servers:
//   stepwise     Stepwise itself (stepwise-server.mjs)
//   jwt          bare node:http signing one ES256 JWT per request (jwt-server.mjs)
//   better-auth  better-auth's two-factor plugin (better-auth-server.mjs)
// Usage: node bench/stepup/servers.mjs <stepwise|jwt|better-auth> <dir> [<users> [<challenges>]]
// (challenges: for stepwise, opened at start-up)
// Writes <dir>/<kind>.json (what the load generator needs: users, secrets,
// keys) before printing `READY <port>` once listening on 127.0.0.1; SIGTERM
// exits cleanly, so that --cpu-prof can write its profile.

import { writeFileSync } from 'node:fs';
import path from 'node:path';

const STARTERS = {
  stepwise: async (dir, count, challenges) => (await import('./stepwise-server.mjs')).startStepwise(dir, count, challenges),
  jwt: async () => (await import('./jwt-server.mjs')).startJwtSigner(),
  'better-auth': async (dir, count) => (await import('./better-auth-server.mjs')).startBetterAuth(dir, count),
};

const [kind, dir, users = '0', challenges = '0'] = process.argv.slice(2);
if (!STARTERS[kind] || !dir) {
  console.error(`usage: node bench/stepup/servers.mjs <${Object.keys(STARTERS).join('|')}> <dir> [<users> [<challenges>]]`);
  process.exit(2);
}
const started = await STARTERS[kind](dir, Number(users), Number(challenges));
writeFileSync(path.join(dir, `${kind}.json`), JSON.stringify(started.setup));
console.log(`READY ${started.port}`);
process.on('SIGTERM', () => {
  started.close().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
});
