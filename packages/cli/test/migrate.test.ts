// `stepwise migrate`: brings the configured database's schema up to date
// and exits without serving (deploys run it before rolling out nodes).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, isolate } from './support/cli-kit.js';

let env: ReturnType<typeof isolate>;
before(() => {
  env = isolate();
});
after(() => env.restore());

test('migrate creates the schema on SQLite, then finds it up to date', async () => {
  const file = join(env.dir, 'stepwise.db');
  assert.equal(existsSync(file), false);
  const output = capture();
  assert.equal(await main(['migrate'], output), 0);
  const latest = Object.keys(MIGRATIONS).sort().at(-1)!;
  assert.match(output.text(), new RegExp(`\\(sqlite\\): schema up to date, ${Object.keys(MIGRATIONS).length} migrations, latest ${latest}`));
  const sqlite = new BetterSqlite3(file, { readonly: true });
  try {
    const applied = sqlite.prepare('select name from kysely_migration order by name').all() as { name: string }[];
    assert.deepEqual(applied.map((row) => row.name), Object.keys(MIGRATIONS).sort());
    const columns = (sqlite.prepare('pragma table_info(signing_keys)').all() as { name: string }[]).map((c) => c.name);
    assert.ok(columns.includes('activates_at') && columns.includes('last_signed_at'));
    // The first signing key exists before any node starts, so nodes started together share it.
    const keys = sqlite.prepare('select kid from signing_keys').all() as { kid: string }[];
    assert.equal(keys.length, 1);
    assert.match(output.text(), new RegExp(`signing key ${keys[0]!.kid} in force`));
  } finally {
    sqlite.close();
  }
  const again = capture();
  assert.equal(await main(['migrate'], again), 0, 'running it again is harmless');
  const sqliteAgain = new BetterSqlite3(file, { readonly: true });
  try {
    assert.equal((sqliteAgain.prepare('select count(*) as n from signing_keys').get() as { n: number }).n, 1, 'and creates no second key');
  } finally {
    sqliteAgain.close();
  }
});
