// The audit log's storage and writer on SQLite and PostgreSQL: appends in
// batches keep one chain; two server nodes (two Database handles on one
// PostgreSQL schema) writing at once still keep one chain without gaps or
// forks, because every append locks the head row; listing filters.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain, type AuditEventInput, type AuditRecord } from '@stepwise/core';
import { pino } from 'pino';
import { createAuditLog } from '../src/audit/audit-log.js';
import { appendAuditEvents, auditHead, listAuditEvents, readAuditEvents } from '../src/storage/audit-events.js';
import { openDatabase, type Database, type Db } from '../src/storage/database.js';
import { describeOnPostgres } from './support/postgres.js';

const silent = pino({ level: 'silent' });

async function all(database: Database): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of readAuditEvents(database.db, { pageSize: 7 })) records.push(record);
  return records;
}

function event(index: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { type: 'sign_in', at: 1_772_442_000_000 + index * 1000, subject: `u${index % 3}`, outcome: 'pwd', ...overrides };
}

function sharedTests(open: () => Promise<Database>, done: () => Promise<void>): void {
  let database: Database;
  before(async () => { database = await open(); });
  after(async () => {
    await database.close();
    await done();
  });

  test('appends in batches, through the group-commit writer, keep one chain', async () => {
    await appendAuditEvents(database.db, database.dialect, [event(1), event(2), event(3)]);
    await appendAuditEvents(database.db, database.dialect, [event(4)]);
    const audit = createAuditLog(database.db, database.dialect, silent);
    // Recorded at once: committed in a few transactions, each caller with its own record.
    const recorded = await Promise.all(Array.from({ length: 40 }, (_, index) => audit.record(event(5 + index))));
    assert.deepEqual(new Set(recorded.map((record) => record.seq)).size, 40);
    const records = await all(database);
    assert.deepEqual(records.map((record) => record.seq), Array.from({ length: 44 }, (_, index) => index + 1));
    const verdict = await verifyAuditChain(records, await auditHead(database.db));
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal((await auditHead(database.db)).seq, 44);
  });

  test('changes recorded together commit in one transaction, each in a savepoint of its own', async () => {
    const audit = createAuditLog(database.db, database.dialect, silent);
    const batches: number[] = [];
    audit.onCommitted((records) => batches.push(records.length));
    const write = (key: string) => async (trx: Db) => {
      await trx.insertInto('attempts').values({ key, failures: 1, window_start: 1 }).execute();
    };
    const before = (await auditHead(database.db)).seq;
    const [plain, applied, notApplied, failed, second] = await Promise.allSettled([
      audit.record(event(100)),
      audit.recordWith(event(101), async (trx) => { await write('batch:applied')(trx); return true; }),
      audit.recordWith(event(102), async (trx) => { await write('batch:not-applied')(trx); return false; }),
      audit.recordWith(event(103), async (trx) => { await write('batch:failed')(trx); throw new Error('boom'); }),
      audit.recordWith(event(104), async (trx) => { await write('batch:second')(trx); return true; }),
    ]);
    assert.equal(plain.status === 'fulfilled' && plain.value.seq, before + 1);
    assert.equal(applied.status === 'fulfilled' && applied.value?.seq, before + 2);
    assert.deepEqual(notApplied, { status: 'fulfilled', value: undefined }, 'a change that did not apply writes nothing');
    assert.equal(failed.status === 'rejected' && (failed.reason as Error).message, 'boom', 'its caller gets its own error');
    assert.equal(second.status === 'fulfilled' && second.value?.seq, before + 3, 'the failures left the next change alone');
    assert.deepEqual(batches, [3], 'one commit for all of them');
    const keys = (await database.db.selectFrom('attempts').select('key').where('key', 'like', 'batch:%').orderBy('key').execute()).map((row) => row.key);
    assert.deepEqual(keys, ['batch:applied', 'batch:second']);
    const verdict = await verifyAuditChain(await all(database), await auditHead(database.db));
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
  });

  test('an event that cannot be chained after its change applied rolls the change back and leaves the rest of the batch linked', async () => {
    const audit = createAuditLog(database.db, database.dialect, silent);
    const batches: number[] = [];
    audit.onCommitted((records) => batches.push(records.length));
    const before = (await auditHead(database.db)).seq;
    const insert = (key: string) => (trx: Db) => trx.insertInto('attempts').values({ key, failures: 1, window_start: 1 }).execute();
    // A lone surrogate has no canonical JSON: hashing fails after the change ran and the head was read.
    const [broken, first, second] = await Promise.allSettled([
      audit.recordWith(event(130, { details: { note: '\uD800' } }), async (trx) => { await insert('unchained:broken')(trx); return true; }),
      audit.recordWith(event(131), async (trx) => { await insert('unchained:first')(trx); return true; }),
      audit.recordWith(event(132), async (trx) => { await insert('unchained:second')(trx); return true; }),
    ]);
    assert.equal(broken.status, 'rejected');
    assert.equal(first.status === 'fulfilled' && first.value?.seq, before + 1);
    assert.equal(second.status === 'fulfilled' && second.value?.seq, before + 2);
    assert.deepEqual(batches, [2], 'one commit for the two that stayed');
    const keys = (await database.db.selectFrom('attempts').select('key').where('key', 'like', 'unchained:%').orderBy('key').execute()).map((row) => row.key);
    assert.deepEqual(keys, ['unchained:first', 'unchained:second']);
    const verdict = await verifyAuditChain(await all(database), await auditHead(database.db));
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
  });

  test('several events recorded with one change stand or fall with it', async () => {
    const audit = createAuditLog(database.db, database.dialect, silent);
    const before = (await auditHead(database.db)).seq;
    const insert = (key: string) => (trx: Db) => trx.insertInto('attempts').values({ key, failures: 1, window_start: 1 }).execute();
    const [failed, applied] = await Promise.allSettled([
      audit.recordWith([event(120), event(121)], async (trx) => { await insert('pair:failed')(trx); throw new Error('boom'); }),
      audit.recordWith([event(122), event(123)], async (trx) => { await insert('pair:applied')(trx); return true; }),
    ]);
    assert.equal(failed.status, 'rejected');
    assert.equal(applied.status === 'fulfilled' && applied.value?.seq, before + 1, 'the first event is the one returned');
    const stored = (await all(database)).filter((record) => record.seq > before);
    assert.deepEqual(stored.map((record) => record.at), [event(122).at, event(123).at], 'both events of the change that applied, none of the other');
    const keys = (await database.db.selectFrom('attempts').select('key').where('key', 'like', 'pair:%').execute()).map((row) => row.key);
    assert.deepEqual(keys, ['pair:applied']);
  });

  test('a change recorded alone that does not apply or fails writes nothing', async () => {
    const audit = createAuditLog(database.db, database.dialect, silent);
    const before = (await auditHead(database.db)).seq;
    const insert = (key: string) => (trx: Db) => trx.insertInto('attempts').values({ key, failures: 1, window_start: 1 }).execute();
    assert.equal(await audit.recordWith(event(110), async (trx) => { await insert('alone:not-applied')(trx); return false; }), undefined);
    await assert.rejects(audit.recordWith(event(111), async (trx) => { await insert('alone:failed')(trx); throw new Error('boom'); }), /boom/);
    const keys = await database.db.selectFrom('attempts').select('key').where('key', 'like', 'alone:%').execute();
    assert.deepEqual(keys, []);
    assert.equal((await auditHead(database.db)).seq, before);
  });

  test('lists by time range, types, subject and client, newest first, in pages', async () => {
    await appendAuditEvents(database.db, database.dialect, [
      event(100, { type: 'decision', client: 'bank', subject: 'u-list', outcome: 'step_up' }),
      event(101, { type: 'step_up_satisfied', client: 'bank', subject: 'u-list', outcome: 'satisfied' }),
      event(102, { type: 'decision', client: 'shop', subject: 'u-list', outcome: 'allow' }),
    ]);
    const mine = await listAuditEvents(database.db, { subject: 'u-list' });
    assert.deepEqual(mine.map((record) => record.type), ['decision', 'step_up_satisfied', 'decision']);
    assert.deepEqual((await listAuditEvents(database.db, { subject: 'u-list', client: 'bank' })).map((record) => record.outcome), ['satisfied', 'step_up']);
    assert.deepEqual((await listAuditEvents(database.db, { types: ['decision'], subject: 'u-list' })).map((record) => record.outcome), ['allow', 'step_up']);
    const at101 = event(101).at;
    assert.deepEqual((await listAuditEvents(database.db, { subject: 'u-list', since: at101, until: at101 + 1 })).map((record) => record.type), ['step_up_satisfied']);
    const page = await listAuditEvents(database.db, { subject: 'u-list', limit: 1 });
    const next = await listAuditEvents(database.db, { subject: 'u-list', limit: 1, beforeSeq: page[0]!.seq });
    assert.equal(next[0]!.type, 'step_up_satisfied');
  });

  test('JSON columns come back as they went in', async () => {
    const [stored] = await appendAuditEvents(database.db, database.dialect, [event(200, {
      type: 'decision', requirement: { acr: 'aal2', max_age: 300 }, rules: ['large-transfer'], signals: [{ code: 'new_device', weight: 20 }],
      details: { decision_id: 'dec_1', resource: { amount: 5000 } },
    })]);
    const [listed] = await listAuditEvents(database.db, { limit: 1 });
    assert.deepEqual(listed, stored);
  });
}

describe('audit log on SQLite', () => {
  const folder = mkdtempSync(join(tmpdir(), 'stepwise-audit-'));
  sharedTests(() => openDatabase(`sqlite:${join(folder, 'audit.db')}`), async () => rmSync(folder, { recursive: true, force: true }));
});

describeOnPostgres('audit log on PostgreSQL', (schemas) => {
  describe('one node', () => sharedTests(() => schemas.open(), () => schemas.drop()));
});

// A block (and server) of its own: Kysely's migrator looks for its tables in every schema of the database.
describeOnPostgres('audit log on PostgreSQL, two nodes', (schemas) => describe('two nodes', () => {
  after(() => schemas.drop());

  test('two nodes writing at once keep one valid chain with no gaps', async () => {
    const first = await schemas.open();
    const second = await schemas.openAgain();
    try {
      const nodes = [first, second].map((database) => createAuditLog(database.db, database.dialect, silent));
      // Each node runs its own group-commit loop; plus raw appends racing them.
      const writes: Promise<unknown>[] = [];
      for (let index = 0; index < 150; index++) {
        writes.push(nodes[index % 2]!.record(event(index, { subject: `node${index % 2}` })));
        if (index % 10 === 0) writes.push(appendAuditEvents((index % 20 === 0 ? first : second).db, 'postgres', [event(index), event(index + 1)]));
      }
      await Promise.all(writes);
      const records = await all(first);
      assert.equal(records.length, 150 + 15 * 2);
      assert.deepEqual(records.map((record) => record.seq), records.map((_, index) => index + 1));
      const verdict = await verifyAuditChain(records, await auditHead(second.db));
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      assert.ok(records.some((record) => record.subject === 'node0') && records.some((record) => record.subject === 'node1'));
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('a node appends after the head another node moved, though it last saw an older one', async () => {
    const first = await schemas.open();
    const second = await schemas.openAgain();
    try {
      const [a, b] = [first, second].map((database) => createAuditLog(database.db, database.dialect, silent));
      const start = (await auditHead(first.db)).seq;
      // One after the other, so that each node's last commit is out of date at
      // its next write: a lone event first in some turns, a change first in others.
      const seqs: number[] = [];
      for (let index = 0; index < 8; index++) {
        const node = index % 2 === 0 ? a! : b!;
        const alone = () => node.record(event(200 + index, { subject: `turn${index}` }));
        const withChange = () => node.recordWith(event(300 + index), async (trx) => {
          await trx.insertInto('attempts').values({ key: `turns:${index}`, failures: 1, window_start: 1 }).execute();
          return true;
        });
        const writes = Math.floor(index / 2) % 2 === 0 ? [alone, withChange] : [withChange, alone];
        for (const write of writes) seqs.push((await write())!.seq);
      }
      assert.deepEqual(seqs, Array.from({ length: 16 }, (_, index) => start + index + 1));
      const verdict = await verifyAuditChain(await all(first), await auditHead(second.db));
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
    } finally {
      await first.close();
      await second.close();
    }
  });
}));
