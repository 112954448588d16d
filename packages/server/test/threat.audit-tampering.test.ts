// Threat: someone with write access to the database (an insider, a stolen
// backup restored with edits) rewrites history: changes how a step-up
// ended, removes an event from the middle, reorders two events, or removes
// the last ones. `stepwise audit verify` must name the first broken event
// each time, and exit 1.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { callApi, passwordIdToken, startDecisionServer } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { DEMO, enrollTotp, signIn, stepWithMargin, userIdOf } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';
import { runCli } from './support/cli-process.js';

describe('an edited audit log', () => {
  let server: TestServer;
  let original = '';
  let count = 0;
  let copies = 0;

  before(async () => {
    const started = await startDecisionServer();
    server = started.server;
    const subject = await userIdOf(server, DEMO.username);
    const totp = await enrollTotp((await signIn(server)).browser, server.issuer, await stepWithMargin(20));
    const decided = await callApi(server, '/v1/decisions', {
      key: started.key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, token: await passwordIdToken(server) },
    });
    const challengeId = (decided.body.challenge as { id: string }).id;
    const done = await callApi(server, `/v1/challenges/${challengeId}/verify`, {
      key: started.key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) },
    });
    assert.equal(done.body.requirement_met, true);
    await server.close();
    original = join(server.dataDir, 'stepwise.db');
    const db = new BetterSqlite3(original, { readonly: true });
    count = (db.prepare('select count(*) as n from audit_events').get() as { n: number }).n;
    db.close();
    assert.ok(count >= 6, `a handful of events to tamper with, got ${count}`);
  });
  after(async () => server.destroy());

  /** A copy of the database, edited by `tamper`, then verified by the CLI. */
  async function verifyAfter(tamper: (db: BetterSqlite3.Database) => void) {
    copies += 1;
    const copy = join(server.dataDir, `tampered-${copies}.db`);
    copyFileSync(original, copy);
    const db = new BetterSqlite3(copy);
    tamper(db);
    db.close();
    return runCli(['audit', 'verify'], { STEPWISE_DATA_DIR: server.dataDir, STEPWISE_DATABASE_URL: `sqlite:${copy}` });
  }

  test('the untouched log verifies', async () => {
    const run = await verifyAfter(() => {});
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^ok: ${count} events, head [0-9a-f]{64}$`, 'm'));
  });

  test('an outcome changed in SQL: that event, hash_mismatch', async () => {
    const run = await verifyAfter((db) => db.prepare("update audit_events set outcome = 'satisfied' where seq = 3").run());
    assert.equal(run.code, 1);
    assert.match(run.stdout, /broken at event 3 \(hash_mismatch\)/);
  });

  test('a middle event deleted: the one after it, seq_gap', async () => {
    const run = await verifyAfter((db) => db.prepare('delete from audit_events where seq = 4').run());
    assert.equal(run.code, 1);
    assert.match(run.stdout, /broken at event 5 \(seq_gap\)/);
  });

  test('two events swapped by their seq: the first place, prev_hash_mismatch', async () => {
    const run = await verifyAfter((db) => {
      db.prepare('update audit_events set seq = -1 where seq = 2').run();
      db.prepare('update audit_events set seq = 2 where seq = 5').run();
      db.prepare('update audit_events set seq = 5 where seq = -1').run();
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /broken at event 2 \(prev_hash_mismatch\)/);
  });

  test('the last event deleted: the head names it, truncated', async () => {
    const run = await verifyAfter((db) => db.prepare('delete from audit_events where seq = (select max(seq) from audit_events)').run());
    assert.equal(run.code, 1);
    assert.match(run.stdout, new RegExp(`broken at event ${count} \\(truncated\\)`));
  });
});
