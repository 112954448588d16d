#!/usr/bin/env node
// Runs every compiled test file with node:test, in two passes:
//
//   1. SQLite: every test file. Storage tests run on PostgreSQL as well
//      within this pass (describeOnPostgres starts its own server).
//   2. PostgreSQL: the server's end-to-end files again, each server on a
//      fresh schema of ONE temporary PostgreSQL started for the pass
//      (STEPWISE_TEST_DATABASE=postgres, STEPWISE_TEST_POSTGRES_URL; see
//      packages/server/test/support/test-database.ts).
//
// Usage: node scripts/run-tests.mjs [filter] [--postgres]
//   - no filter: both passes;
//   - a filter (a substring of the file path): those files on SQLite only,
//     unless --postgres asks for the PostgreSQL pass too;
//   - STEPWISE_TEST_DATABASE=sqlite or =postgres: that pass only;
//   - STEPWISE_TEST_POSTGRES_URL: the PostgreSQL pass uses that server
//     instead of starting one.
// The exit code is non-zero when either pass fails.
//
// A file that leaves something running (a server a failed hook never
// stopped, an open pool) would keep its node:test child alive forever, and
// the whole run with it: --test-force-exit ends each file once its tests
// are done, and --test-timeout fails a file (or any one test in it) that
// runs longer than FILE_TIMEOUT_MS, so a stuck file is reported as failed
// instead of hanging CI.
//
// Files are listed explicitly because Node 20's --test does not expand globs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/*
 * The PostgreSQL pass: packages/server test files whose name contains
 * `.e2e.` or starts with `threat.`, the ones that start whole servers
 * through test/support/harness.ts (the unit and storage files either never
 * touch a database or run on both engines already). Left out: files that
 * choose their databases themselves, known by importing support/postgres.js
 * or support/multi-node.js (the multi-node tests, which are on PostgreSQL
 * in every pass), and, by name:
 */
const NOT_ON_POSTGRES = new Map([
  // Edits copies of the SQLite database file to show the CLI finds the tampering.
  ['threat.audit-tampering.test.js', 'tampers with copies of the SQLite file'],
]);
const SERVER_TESTS = `packages${'/'}server${'/'}dist${'/'}test${'/'}`;
const CHOOSES_ITS_DATABASE = /from ['"]\.\/support\/(postgres|multi-node)\.js['"]/;

function runsOnPostgres(file) {
  const name = basename(file);
  if (!file.includes(SERVER_TESTS) || !(name.includes('.e2e.') || name.startsWith('threat.')) || NOT_ON_POSTGRES.has(name)) return false;
  return !CHOOSES_ITS_DATABASE.test(readFileSync(file, 'utf8'));
}

const args = process.argv.slice(2);
const askedPostgres = args.includes('--postgres');
const unknown = args.filter((arg) => arg.startsWith('--') && arg !== '--postgres');
const positional = args.filter((arg) => !arg.startsWith('--'));
if (unknown.length > 0 || positional.length > 1) {
  console.error('usage: node scripts/run-tests.mjs [filter] [--postgres]');
  process.exit(2);
}
const filter = positional[0];
const only = process.env.STEPWISE_TEST_DATABASE;
if (only !== undefined && only !== 'sqlite' && only !== 'postgres') {
  console.error(`STEPWISE_TEST_DATABASE must be sqlite or postgres, not ${JSON.stringify(only)}`);
  process.exit(2);
}

const roots = ['packages', 'examples'].filter((dir) => {
  try { return statSync(dir).isDirectory(); } catch { return false; }
});
const files = [];
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.js') && path.includes(`dist${'/'}test`)) files.push(path);
  }
}
for (const root of roots) walk(root);
const selected = filter ? files.filter((file) => file.includes(filter)) : files;
if (selected.length === 0) {
  console.error(`no test files found${filter ? ` matching "${filter}"` : ''}; run "npm run build" first`);
  process.exit(1);
}

const sqlitePass = only === 'postgres' ? [] : selected;
const postgresPass = only === 'sqlite' || (filter && !askedPostgres && only !== 'postgres') ? [] : selected.filter(runsOnPostgres);
if (sqlitePass.length === 0 && postgresPass.length === 0) {
  console.error(`no test files matching "${filter}" run on PostgreSQL (see runsOnPostgres in scripts/run-tests.mjs)`);
  process.exit(1);
}

/** The longest one test file may run; the longest (the multi-node load run) takes about 40 s. */
const FILE_TIMEOUT_MS = 10 * 60_000;

/** Runs node --test over `list` with `env` added; resolves to its exit code. */
function runPass(list, env) {
  return new Promise((resolve) => {
    const flags = ['--test', '--test-concurrency=2', '--test-force-exit', `--test-timeout=${FILE_TIMEOUT_MS}`];
    const child = spawn(process.execPath, [...flags, ...list], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function banner(text) {
  console.log(`\n==== ${text} ====\n`);
}

const outcomes = [];
async function pass(name, list, env) {
  banner(`${name}: ${list.length} file${list.length === 1 ? '' : 's'}`);
  const started = Date.now();
  const code = await runPass(list, env);
  outcomes.push({ name, code, seconds: Math.round((Date.now() - started) / 1000) });
}

if (sqlitePass.length > 0) await pass('SQLite pass', sqlitePass, { STEPWISE_TEST_DATABASE: 'sqlite' });

if (postgresPass.length > 0) {
  let server;
  let url = process.env.STEPWISE_TEST_POSTGRES_URL;
  try {
    if (!url) {
      const support = join(SERVER_TESTS, 'support', 'postgres.js');
      const { startTemporaryPostgres } = await import(pathToFileURL(support).href);
      server = await startTemporaryPostgres();
      url = server.url;
    }
    await pass(`PostgreSQL pass (${url})`, postgresPass, { STEPWISE_TEST_DATABASE: 'postgres', STEPWISE_TEST_POSTGRES_URL: url });
  } catch (error) {
    console.error(`PostgreSQL pass could not start: ${error instanceof Error ? error.message : String(error)}`);
    outcomes.push({ name: 'PostgreSQL pass', code: 1, seconds: 0 });
  } finally {
    await server?.stop();
  }
}

banner('summary');
for (const { name, code, seconds } of outcomes) console.log(`${code === 0 ? 'ok    ' : 'FAILED'} ${name} (${seconds} s)`);
process.exit(outcomes.every(({ code }) => code === 0) ? 0 : 1);
