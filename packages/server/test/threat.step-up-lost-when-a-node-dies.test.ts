// Threat: one of several server nodes dies mid-load (kill -9, an OOM kill, a
// host lost) while the other keeps serving, and a step-up that was already
// confirmed to the app goes missing from the shared audit log, or one
// challenge is satisfied twice (once on each node, or again after the load
// balancer moves the user), so an operator can no longer prove who approved
// what. Two `stepwise serve` nodes on one PostgreSQL behind a round-robin
// proxy take decision API step-ups (`POST /v1/decisions`, then
// `POST /v1/challenges/:id/verify` with a TOTP code, each code used once);
// one node is SIGKILLed a third of the way in. Afterwards every challenge
// acknowledged with requirement_met is satisfied in the database and in the
// log exactly once as step_up_satisfied, no challenge is there twice, the
// survivor served the rest, and `stepwise audit verify` passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { totpCodeAt } from '../src/index.js';
import { readAuditEvents } from '../src/storage/audit-events.js';
import { runCli } from './support/cli-process.js';
import { startCluster } from './support/multi-node.js';
import { SERVED_BY_HEADER } from './support/round-robin.js';

const USERS = 2_000;
const WORKERS = 16;
const LOAD_LIMIT_MS = 25_000;
const VICTIM = 1;
const SURVIVOR = 0;

test('when one of two nodes dies mid-load, confirmed step-ups are logged once each and the other node keeps serving', { timeout: 58_000 }, async (t) => {
  const began = Date.now();
  const cluster = await startCluster({ nodes: 2 });
  try {
    const key = await cluster.createApiKey('load-test');
    const people = await cluster.seedUsers(USERS, { prefix: 'load' });
    const seeded = Date.now();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const acknowledged = new Map<string, number>();
    const duplicates: string[] = [];
    let afterKill = 0;
    let failedRequests = 0;
    let killed = false;
    let next = 0;
    const stopAt = Date.now() + LOAD_LIMIT_MS;
    // A third of the way in, by count, or by time on a busy machine.
    const killBy = Date.now() + LOAD_LIMIT_MS / 3;
    const victim = cluster.nodes[VICTIM]!;

    const worker = async () => {
      while (next < people.length && Date.now() < stopAt) {
        const person = people[next++]!;
        try {
          const decided = await fetch(`${cluster.issuer}/v1/decisions`, {
            method: 'POST', headers, body: JSON.stringify({ subject: person.id, action: 'transfer.create' }),
          });
          const decision = (await decided.json()) as { decision?: string; challenge?: { id: string } };
          if (decision.decision !== 'step_up' || !decision.challenge) {
            failedRequests += 1;
            continue;
          }
          const verified = await fetch(`${cluster.issuer}/v1/challenges/${decision.challenge.id}/verify`, {
            method: 'POST', headers, body: JSON.stringify({ method: 'totp', code: totpCodeAt(person.secret, Date.now()) }),
          });
          const body = (await verified.json()) as { requirement_met?: boolean };
          if (verified.ok && body.requirement_met === true) {
            if (acknowledged.has(decision.challenge.id)) duplicates.push(decision.challenge.id);
            const node = Number(verified.headers.get(SERVED_BY_HEADER));
            acknowledged.set(decision.challenge.id, node);
            if (killed && node === SURVIVOR) afterKill += 1;
          } else {
            failedRequests += 1;
          }
        } catch {
          // A request cut by the kill proves nothing either way.
          failedRequests += 1;
        }
        if (!killed && (acknowledged.size >= USERS / 3 || (Date.now() > killBy && acknowledged.size > 0))) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await victim.exited;
    const loaded = Date.now();

    assert.deepEqual(duplicates, [], 'no challenge is acknowledged twice');
    assert.ok(killed, `the load ended before the kill (${acknowledged.size} step-ups)`);
    assert.equal(cluster.proxy.live[VICTIM], false, 'the proxy noticed the dead node');
    assert.ok(afterKill >= 100, `the survivor kept serving: ${afterKill} step-ups after the kill, ${failedRequests} failed`);
    // Those cut by the kill: at most one in flight per worker and request.
    assert.ok(failedRequests <= 2 * WORKERS, `${failedRequests} requests failed`);
    const servedByVictim = [...acknowledged.values()].filter((node) => node === VICTIM).length;
    assert.ok(servedByVictim > 0 && acknowledged.size - servedByVictim > 0, 'both nodes verified challenges');

    const db = cluster.database.db;
    const satisfiedEvents = new Map<string, number>();
    for await (const record of readAuditEvents(db)) {
      if (record.type !== 'step_up_satisfied') continue;
      const id = String(record.details?.challenge_id);
      satisfiedEvents.set(id, (satisfiedEvents.get(id) ?? 0) + 1);
    }
    for (const id of acknowledged.keys()) {
      assert.equal(satisfiedEvents.get(id), 1, `challenge ${id} was confirmed but is in the log ${satisfiedEvents.get(id) ?? 0} times`);
    }
    for (const [id, times] of satisfiedEvents) assert.equal(times, 1, `challenge ${id} satisfied ${times} times`);

    // The database agrees with the log: satisfied challenges are exactly those logged, each with one receipt.
    const rows = await db.selectFrom('challenges').select(['id', 'state', 'receipt_jti']).execute();
    const satisfiedRows = rows.filter((row) => row.state === 'satisfied');
    assert.deepEqual(new Set(satisfiedRows.map((row) => row.id)), new Set(satisfiedEvents.keys()));
    for (const id of acknowledged.keys()) assert.ok(satisfiedRows.some((row) => row.id === id), `challenge ${id} is satisfied in the database`);
    assert.equal(new Set(satisfiedRows.map((row) => row.receipt_jti)).size, satisfiedRows.length, 'one receipt per challenge');

    const verified = await runCli(['audit', 'verify'], { ...cluster.env });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    t.diagnostic(`started and seeded in ${seeded - began} ms, load ${loaded - seeded} ms`);
    t.diagnostic(`${acknowledged.size} step-ups acknowledged (${servedByVictim} verified by the node killed), ${afterKill} after the kill, ${failedRequests} failed`);
  } finally {
    await cluster.stop();
  }
});
