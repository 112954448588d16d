// Threat: with several nodes on one database, every node streamed the audit
// log to the webhook, so the receiver got each batch once per node (and a
// SIEM counting events counted them twice). Two nodes (two handles on one
// PostgreSQL schema) now take turns through a lease on the cursor: each
// event reaches the receiver exactly once and in order, a node that stops
// hands over at once, and a node that died without a word is replaced when
// its lease runs out.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createAuditLog, type AuditLog } from '../src/audit/audit-log.js';
import { AUDIT_WEBHOOK_CURSOR, createAuditWebhook, type AuditWebhook } from '../src/audit/audit-webhook.js';
import { auditHead } from '../src/storage/audit-events.js';
import type { Database } from '../src/storage/database.js';
import { freePort } from './support/free-port.js';
import { describeOnPostgres } from './support/postgres.js';

const silent = pino({ level: 'silent' });
const SECRET = 'audit-webhook-secret-0123456789abcdef';
const FAST = { pollMs: 50, leaseSeconds: 2, minDelayMs: 50, maxDelayMs: 200 };

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// The inner describe's after hook runs before the block's own, which stops a temporary PostgreSQL.
describeOnPostgres('audit webhook on two nodes', ({ open, openAgain, drop }) => describe('two nodes, one receiver', () => {
  let receiver: Server;
  let url = '';
  /** How many times each seq arrived, and in which order. */
  const deliveries = new Map<number, number>();
  const order: number[] = [];
  let nodeA: Database;
  let nodeB: Database;
  let auditA: AuditLog;
  let auditB: AuditLog;

  before(async () => {
    const port = await freePort();
    receiver = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      request.on('end', () => {
        for (const { seq } of JSON.parse(body) as Array<{ seq: number }>) {
          deliveries.set(seq, (deliveries.get(seq) ?? 0) + 1);
          order.push(seq);
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${port}/audit`;
    nodeA = await open();
    nodeB = await openAgain();
    auditA = createAuditLog(nodeA.db, nodeA.dialect, silent);
    auditB = createAuditLog(nodeB.db, nodeB.dialect, silent);
  });
  after(async () => {
    await nodeB.close();
    await nodeA.close();
    await drop();
    // fetch keeps its connections to the receiver open; close would wait for them.
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const webhookOn = (database: Database, audit: AuditLog): AuditWebhook =>
    createAuditWebhook(database.db, audit, { url, secret: SECRET }, silent, FAST);

  async function recordOnBoth(count: number, tag: string): Promise<number> {
    await Promise.all(Array.from({ length: count }, (_, index) =>
      (index % 2 === 0 ? auditA : auditB).record({ type: 'sign_in', at: Date.now(), subject: `${tag}-${index}`, outcome: 'pwd' })));
    return (await auditHead(nodeA.db)).seq;
  }

  function assertEachOnceInOrder(upTo: number): void {
    const doubled = [...deliveries].filter(([, times]) => times > 1).map(([seq]) => seq);
    assert.deepEqual(doubled, [], `delivered more than once: ${doubled.slice(0, 10).join(', ')}`);
    assert.deepEqual(order, Array.from({ length: upTo }, (_, index) => index + 1));
  }

  test('both nodes record and both run the webhook: every event arrives exactly once, in order', { timeout: 30_000 }, async () => {
    const a = webhookOn(nodeA, auditA);
    const b = webhookOn(nodeB, auditB);
    a.start();
    b.start();
    try {
      for (let burst = 0; burst < 5; burst += 1) await recordOnBoth(40, `burst${burst}`);
      const head = (await auditHead(nodeA.db)).seq;
      await until(() => order.length >= head, 15_000, `${head} events at the receiver`);
      // Both nodes polled and were woken by their own commits meanwhile: give a second delivery the chance to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assertEachOnceInOrder(head);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a node that stops hands over at once; a node that died is replaced when its lease runs out', { timeout: 30_000 }, async () => {
    const a = webhookOn(nodeA, auditA);
    const b = webhookOn(nodeB, auditB);
    a.start();
    b.start();
    let head = await recordOnBoth(10, 'before-stop');
    await until(() => order.length >= head, 10_000, 'the first events');
    await a.close();
    head = await recordOnBoth(10, 'after-stop');
    await until(() => order.length >= head, 10_000, 'events after node A stopped');
    await b.close();

    // A node killed while holding the lease leaves it standing (nothing released it).
    const until2 = Math.floor(Date.now() / 1000) + FAST.leaseSeconds;
    await nodeA.db.updateTable('audit_cursors').set({ lease_owner: 'a-node-that-was-killed', lease_until: until2 }).where('name', '=', AUDIT_WEBHOOK_CURSOR).execute();
    head = await recordOnBoth(10, 'after-kill');
    const c = webhookOn(nodeB, auditB);
    c.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.ok(order.length < head, 'nothing is delivered while the dead node\'s lease runs');
      await until(() => order.length >= head, 10_000, 'events once the dead node\'s lease ran out');
      assertEachOnceInOrder(head);
    } finally {
      await c.close();
    }
  });
}));
