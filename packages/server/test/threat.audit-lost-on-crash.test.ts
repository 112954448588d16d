// Threat: the server dies mid-load (kill -9, an OOM kill, a power cut)
// and the audit log loses step-ups it had already confirmed, or records one
// twice, so an operator cannot prove who approved what. Every challenge the
// decision API answered 2xx with requirement_met must be in the log exactly
// once as step_up_satisfied after the crash, and the chain must verify.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyAuditChain, type AuditRecord } from '@stepwise/core';
import { generateTotpSecret, totpCodeAt, totpSecretContext } from '../src/factors/totp.js';
import { loadConfig, openDatabase, resolveSecretKeys, SecretBox, users } from '../src/index.js';
import { auditHead, readAuditEvents } from '../src/storage/audit-events.js';
import { createFactor } from '../src/storage/factors.js';
import { runCli, spawnCli } from './support/cli-process.js';
import { freePort } from './support/free-port.js';
import { testDatabaseFor } from './support/test-database.js';

const USERS = 300;
const WORKERS = 12;
const LOAD_LIMIT_MS = 20_000;

const dir = mkdtempSync(join(tmpdir(), 'stepwise-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function waitUntilUp(issuer: string, deadline: number, exited: () => boolean): Promise<void> {
  for (;;) {
    if (exited()) throw new Error('stepwise serve exited during start');
    try {
      if ((await fetch(`${issuer}/.well-known/openid-configuration`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('stepwise serve did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('step-ups confirmed before a kill -9 are all in the log, once each, and the chain holds', { timeout: 60_000 }, async (t) => {
  let port = await freePort();
  let issuer = `http://127.0.0.1:${port}`;
  // SQLite in the data folder, or a schema of its own on the PostgreSQL pass.
  const store = await testDatabaseFor(dir);
  t.after(() => store.drop());
  const env: Record<string, string> = {
    STEPWISE_DATA_DIR: dir, STEPWISE_HOST: '127.0.0.1', STEPWISE_PORT: String(port), STEPWISE_ISSUER: issuer,
    ...(store.url === undefined ? {} : { STEPWISE_DATABASE_URL: store.url }),
  };
  const created = await runCli(['apikeys', 'create', 'crash-test'], env);
  const key = /^key: (\S+)/m.exec(created.stdout)?.[1];
  assert.ok(key, created.stdout + created.stderr);

  // Users with an authenticator app each, seeded through storage so each code is used once.
  const config = loadConfig({ file: null, env: {}, overrides: { data_dir: dir, ...(store.url === undefined ? {} : { database_url: store.url }) } });
  const box = new SecretBox(resolveSecretKeys(config).keys);
  const database = await openDatabase(config.databaseUrl);
  const people: Array<{ id: string; secret: string }> = [];
  try {
    for (let index = 0; index < USERS; index++) {
      const user = await users.createUser(database.db, { username: `crash-${index}`, passwordHash: null });
      const secret = generateTotpSecret();
      const id = `totp-crash-${index}`;
      await createFactor(database.db, {
        id, userId: user.id, method: 'totp', name: 'app', secret: box.seal(secret, totpSecretContext(id)), confirmedAt: Math.floor(Date.now() / 1000),
      });
      people.push({ id: user.id, secret });
    }
  } finally {
    await database.close();
  }

  // A free port can be taken by a parallel test before the child listens: start again on another.
  let child = spawnCli(['serve'], env);
  for (let attempt = 1; ; attempt += 1) {
    let output = '';
    let gone = false;
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('exit', () => { gone = true; });
    try {
      await waitUntilUp(issuer, Date.now() + 15_000, () => gone);
      break;
    } catch (error) {
      if (attempt >= 3 || !output.includes('EADDRINUSE')) throw new Error(`${String(error)}\n${output}`);
      port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      Object.assign(env, { STEPWISE_PORT: String(port), STEPWISE_ISSUER: issuer });
      child = spawnCli(['serve'], env);
    }
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const acknowledged = new Set<string>();
  try {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    let next = 0;
    let killed = false;
    const stopAt = Date.now() + LOAD_LIMIT_MS;
    const worker = async () => {
      while (!killed && next < people.length && Date.now() < stopAt) {
        const person = people[next++]!;
        try {
          const decided = await fetch(`${issuer}/v1/decisions`, { method: 'POST', headers, body: JSON.stringify({ subject: person.id, action: 'transfer.create' }) });
          const decision = (await decided.json()) as { decision?: string; challenge?: { id: string } };
          if (decision.decision !== 'step_up' || !decision.challenge) continue;
          const verified = await fetch(`${issuer}/v1/challenges/${decision.challenge.id}/verify`, {
            method: 'POST', headers, body: JSON.stringify({ method: 'totp', code: totpCodeAt(person.secret, Date.now()) }),
          });
          const body = (await verified.json()) as { requirement_met?: boolean };
          if (verified.ok && body.requirement_met === true) acknowledged.add(decision.challenge.id);
        } catch {
          // The server is gone: whatever was not answered proves nothing.
        }
        // Mid-load: about a third of the users in, kill it without warning.
        if (!killed && acknowledged.size >= USERS / 3) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    assert.ok(killed, `the load ended before the kill (${acknowledged.size} step-ups)`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }

  const after = await openDatabase(config.databaseUrl);
  try {
    const records: AuditRecord[] = [];
    for await (const record of readAuditEvents(after.db)) records.push(record);
    const verdict = await verifyAuditChain(records, await auditHead(after.db));
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    const satisfied = new Map<string, number>();
    for (const record of records) {
      if (record.type !== 'step_up_satisfied') continue;
      const id = String(record.details?.challenge_id);
      satisfied.set(id, (satisfied.get(id) ?? 0) + 1);
    }
    for (const id of acknowledged) assert.equal(satisfied.get(id), 1, `challenge ${id} was confirmed but is in the log ${satisfied.get(id) ?? 0} times`);
    for (const [id, times] of satisfied) assert.equal(times, 1, `challenge ${id} satisfied ${times} times`);
    assert.ok(acknowledged.size >= USERS / 3);
  } finally {
    await after.close();
  }
  const verified = await runCli(['audit', 'verify'], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});
