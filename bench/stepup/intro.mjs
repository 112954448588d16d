// The step-up benchmark's intro: what each target does exactly, what was
// prepared and checked, the versions measured, and where the time goes.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REPO_DIR = path.dirname(BENCH_DIR);

function installedVersion(name, from) {
  return JSON.parse(readFileSync(path.join(from, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Where the time goes: `node bench/run.mjs stepup --cpu-prof DIR`, the
 * Stepwise server's samples of the measured completions only (its profile
 * also holds the seeding and the decisions that open the challenges).
 */
const PROFILE_NOTE =
  '**Where the time goes** (`node --cpu-prof` of the Stepwise server, the samples taken while it answered the completions; shares of its busy time): SQLite statements about 22% in the native calls (per completion: the API key, the challenge, the attempt counters, the factors; then the TOTP step claimed, the challenge satisfied and its audit event appended in a savepoint of the audit writer\'s transaction, which commits what arrived together at once), the receipt\'s ES256 signature about 12% (node:crypto), the TOTP secret opened (AES-GCM) and the code matched about 12%, the audit event\'s hash chain and canonical JSON about 8%, Fastify and node:http most of the rest. ' +
  'Three changes took a completion from about 1,140 µs of CPU to about 650: the hot queries compiled once (the API key, the challenge, its counter), helmet\'s static headers computed once and replayed, and above all the group commit: each completion used to commit a transaction of its own, and with `synchronous=FULL` a SQLite commit holds the main thread for about 190 µs here (78 µs of it CPU; 12 µs with `synchronous=NORMAL`, which Stepwise does not use); now one commit serves the completions that arrived together. ' +
  'The first goal cannot be met against this baseline: the JWT signer spends about 120 µs of CPU per request, so 0.65× its rate leaves about 185 µs per completion. Its signature and HTTP exchange take about 120 of them before Fastify, a single statement or the audit record, while a completion must read the challenge and the factor and durably spend the code (replays are refused across nodes and restarts).';

/**
 * The intro paragraphs.
 *
 * @param {{ opened: number, prepared: Record<string, number>, users: Record<string, number>, methodNote: string }} spec
 *   opened: Stepwise challenges opened at start-up; prepared: challenges or pending sign-ins prepared per target before measurements
 * @returns {string[]}
 */
export function introLines({ opened, prepared, users, methodNote }) {
  const versions = [
    `better-auth ${installedVersion('better-auth', BENCH_DIR)}`,
    `jose ${installedVersion('jose', BENCH_DIR)} (bench)`,
    `better-sqlite3 ${installedVersion('better-sqlite3', REPO_DIR)} (both SQLite servers)`,
    `fastify ${installedVersion('fastify', REPO_DIR)}`,
    `kysely ${installedVersion('kysely', REPO_DIR)} (Stepwise), ${installedVersion('kysely', BENCH_DIR)} (better-auth)`,
    `autocannon ${installedVersion('autocannon', BENCH_DIR)}`,
  ];
  const lines = [
    'One request per completed step-up, each with its own user, code and pending state, sent by autocannon (per-request bodies and headers through `setupRequest`, every answer checked in `onResponse`) the same way to all three targets, one server process at a time under load.',
    '',
    `- **Stepwise**: \`POST /v1/challenges/:id/verify\` with the API key and \`{"method":"totp","code":…}\`: the challenge read and its attempt counters checked, the user's factors read and the TOTP secret opened (AES-GCM), the code matched and its time step advanced (one conditional UPDATE: replays are refused), the account's failure counter cleared, the receipt signed (ES256 JWT: \`sub\`, \`acr\` aal2, \`amr\` pwd+otp, \`challenge_id\`, \`decision_id\`, \`action\`, \`jti\`) and stored with the challenge in one transaction with its audit event; 200 with the challenge satisfied and the receipt. The whole server from \`packages/server/dist\` on SQLite in a temporary folder, one policy rule (a transfer needs aal2), ${users.stepwise} seeded users each with a TOTP factor of its own. The challenges, each for a step_up aal2 decision on a user with its aal1 token (a password sign-in, so the challenge holds that event): ${opened} opened at start-up, the users in turn (one through the decision API's own function, \`makeDecision\`, the others as copies of its challenge row written with the same storage call, \`insertChallenge\`: a decision costs milliseconds, a row much less), and ${prepared.stepwise} more through \`POST /v1/decisions\` before a measurement whose supply would not last (the check below completes one opened so). Stepwise accepts each user's code for a time step once, so a user completes at most one challenge per 30-s step (plus the next step's code once).`,
    '- **A (JWT signer)**: node:http reading the JSON body (a challenge id) and answering `{"receipt":…}`: an ES256 JWT signed with jose\'s `SignJWT` (key generated at start-up; `iss`, `sub`, `aud`, `iat`, `exp`, `jti`, `challenge_id`, `acr`, `amr`). The floor of "answer with a signed receipt" in Node.',
    `- **B (better-auth)**: \`POST /api/auth/two-factor/verify-totp\` with \`{"code":…}\` and the \`better-auth.two_factor\` cookie of a pending sign-in: the signed cookie checked, the pending state and its attempt counter read and consumed, the user and the two-factor row read, the secret decrypted, the code checked (±1 step), the failure counter reset, a session created and its signed cookie set; 200 with the session token and the user. better-auth with its \`twoFactor\` plugin on node:http (\`toNodeHandler\`), a better-sqlite3 database with Stepwise's pragmas (WAL, foreign keys, busy timeout), its rate limiter off (Stepwise's limits do not apply to this route either), ${users['better-auth']} users seeded through its adapters, each with a verified TOTP secret of its own. Before each measurement and outside it, \`POST /api/auth/sign-in/email\` sign-ins (password hashed with SHA-256 instead of scrypt, to keep this preparation short; verify-totp never hashes) each answered \`twoFactorRedirect\`: ${prepared['better-auth']} over the run. better-auth does not refuse a code used before within its window; each pending sign-in is used once.`,
    '',
    'Before measuring and again after, each target was checked: **Stepwise**: a completion answers 200 satisfied with a receipt that verifies with the server\'s JWKS (ES256, issuer, audience the API key\'s name, `typ` stepwise-receipt+jwt) and names the challenge, the user, aal2 and pwd+otp; `GET /v1/challenges/:id` shows it satisfied with the same receipt; the same challenge again answers 409, the same code for another challenge of the user 400 `ERR_CODE_REUSED`, a wrong API key 401. **A**: the JWT verifies with its public key and names the challenge. **B**: a wrong code answers 401, the right one 200 with the user and a session cookie that `get-session` accepts, the same pending sign-in again 401. ' +
      'During the measurements every answer had to be 200 with the success body (Stepwise: `requirement_met` true and state satisfied; A: a receipt; B: a session token and its cookie), and the first 32 answers of each measurement were verified in full (receipt signatures and claims, user).',
    methodNote,
    '',
    `Versions: ${versions.join(', ')}.`,
  ];
  if (PROFILE_NOTE) lines.push('', PROFILE_NOTE);
  return lines;
}
