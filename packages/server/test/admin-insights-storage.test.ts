// The insights' reads on SQLite and PostgreSQL alike: the decision list's
// filters (a username or an id, an action prefix that is not a LIKE
// pattern, an outcome) and pages, counts per UTC day grouped in SQL, and
// the bounded reads that say when they stopped early.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openDatabase, users, type Database } from '../src/index.js';
import { countDecisionsPerDay, readDecisionFacts } from '../src/http/admin/insight-chart-queries.js';
import { findDecisionRecord, listDecisionRecords } from '../src/storage/decision-reads.js';
import { insertDecision } from '../src/storage/decisions.js';
import { describeOnPostgres } from './support/postgres.js';

const DAY = 86_400;
const NOW = Date.UTC(2026, 2, 14, 12) / 1000;

function insightStorageSuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let subject = '';
    const tag = randomUUID().slice(0, 6);

    before(async () => {
      database = await open();
      subject = (await users.createUser(database.db, { username: `Ann-${tag}`, passwordHash: 'h' })).id;
      const rows: Array<[string, string, number]> = [
        ['transfer.create', 'step_up', 0], ['transfer.create', 'allow', 0], ['transfer%', 'deny', 1],
        ['account.email', 'step_up', 1], ['transfer.cancel', 'allow', 20],
      ];
      for (const [index, [action, outcome, daysAgo]] of rows.entries()) {
        await insertDecision(database.db, {
          id: `dec_${tag}${index}`, apiKeyId: null, subject, action, outcome, requirement: { acr: 'aal1' }, reasons: [], risk: { signals: [] },
          input: {}, createdAt: NOW - daysAgo * DAY - index,
        });
      }
    });
    after(async () => { await database.close(); await cleanup?.(); });

    const ids = (rows: { id: string }[]) => rows.map((row) => row.id.slice(-1));

    test('filters: username (any case) or id, action prefix taken literally, outcome; newest first', async () => {
      const byName = await listDecisionRecords(database.db, { subject: `ANN-${tag}`, page: 1, pageSize: 50 });
      assert.deepEqual(ids(byName.rows), ['0', '1', '2', '3', '4']);
      assert.equal(byName.rows[0]!.username, `ann-${tag}`);
      assert.deepEqual(ids((await listDecisionRecords(database.db, { subject, action: 'transfer.', page: 1, pageSize: 50 })).rows), ['0', '1', '4']);
      assert.deepEqual(ids((await listDecisionRecords(database.db, { subject, action: 'transfer%', page: 1, pageSize: 50 })).rows), ['2'], '% is not a wildcard');
      assert.deepEqual(ids((await listDecisionRecords(database.db, { subject, action: 'Transfer.', page: 1, pageSize: 50 })).rows), [], 'case-sensitive on both');
      assert.deepEqual(ids((await listDecisionRecords(database.db, { subject, outcome: 'step_up', page: 1, pageSize: 50 })).rows), ['0', '3']);
    });

    test('pages', async () => {
      const first = await listDecisionRecords(database.db, { subject, page: 1, pageSize: 2 });
      assert.deepEqual([ids(first.rows), first.more], [['0', '1'], true]);
      const last = await listDecisionRecords(database.db, { subject, page: 3, pageSize: 2 });
      assert.deepEqual([ids(last.rows), last.more], [['4'], false]);
    });

    test('one decision with its names, JSON parsed', async () => {
      const found = await findDecisionRecord(database.db, `dec_${tag}0`);
      assert.deepEqual(found?.requirement, { acr: 'aal1' });
      assert.equal(found?.apiKeyName, null);
      assert.equal(await findDecisionRecord(database.db, 'dec_none'), undefined);
    });

    test('counts per UTC day and outcome, grouped in SQL, from the window on', async () => {
      const since = NOW - 13 * DAY - (NOW % DAY);
      const counts = await countDecisionsPerDay(database.db, since);
      const today = Math.floor(NOW / DAY);
      const mine = counts.sort((a, b) => a.day - b.day || a.outcome.localeCompare(b.outcome));
      assert.deepEqual(mine, [
        { day: today - 1, outcome: 'deny', count: 1 },
        { day: today - 1, outcome: 'step_up', count: 1 },
        { day: today, outcome: 'allow', count: 1 },
        { day: today, outcome: 'step_up', count: 1 },
      ]);
    });

    test('the bounded read stops at its cap and says so', async () => {
      const since = NOW - 13 * DAY - (NOW % DAY);
      const all = await readDecisionFacts(database.db, since);
      assert.deepEqual([all.rows.length, all.truncated], [4, false]);
      const capped = await readDecisionFacts(database.db, since, 3);
      assert.deepEqual([capped.rows.length, capped.truncated], [3, true]);
      assert.deepEqual(capped.rows.map((row) => row.outcome), ['step_up', 'allow', 'deny'], 'the newest');
      const exact = await readDecisionFacts(database.db, since, 4);
      assert.deepEqual([exact.rows.length, exact.truncated], [4, false]);
    });
  });
}

insightStorageSuite('insight reads on SQLite', () => openDatabase('sqlite::memory:'));
describeOnPostgres('postgres', ({ open, drop }) => insightStorageSuite('insight reads on PostgreSQL', open, drop));
