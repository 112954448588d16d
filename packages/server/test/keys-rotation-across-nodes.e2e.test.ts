// Key rotation on several nodes sharing one database. The failure this
// guards against: a token signed by one node fails at another node's JWKS
// (the new key not yet published there), or a retired key is deleted while
// a node still signs with it, so tokens it issued stop verifying before
// they expire.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { epochSeconds, openDatabase, type Database } from '../src/index.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { createKeyRing, type KeyRing } from '../src/keys/key-ring.js';
import { KEY_ACTIVATION_DELAY_SECONDS, KEY_SET_MAX_AGE_SECONDS, rotateSigningKey } from '../src/keys/signing-keys.js';
import { listSigningKeys } from '../src/storage/signing-keys.js';
import { resolveSecretKeys } from '../src/secret-keys-file.js';
import { passwordIdToken } from './support/decision-kit.js';
import { startTestServer, type TestServer } from './support/harness.js';

async function jwksOf(server: TestServer): Promise<string[]> {
  const response = await fetch(`${server.issuer}/jwks`);
  const { keys } = (await response.json()) as { keys: { kid: string }[] };
  return keys.map((key) => key.kid).sort();
}

async function verifiesAt(server: TestServer, token: string): Promise<boolean> {
  const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as Parameters<typeof createLocalJWKSet>[0];
  try {
    await jwtVerify(token, createLocalJWKSet(jwks));
    return true;
  } catch {
    return false;
  }
}

function receipt(server: TestServer): Promise<string> {
  const now = epochSeconds();
  return server.server.services.tokenKeys.sign({ iss: server.issuer, sub: 'someone', exp: now + 600, iat: now }, 'stepwise-receipt+jwt');
}

describe('two nodes on one database rotate without a restart', () => {
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    a = await startTestServer();
    b = await startTestServer({ dataDir: a.dataDir });
  });
  // b is unset when its start failed; a must still be stopped, or its server outlives the file.
  after(async () => {
    await b?.close();
    await a?.destroy();
  });

  test('a rotated-in key is published by both nodes before either signs with it; old tokens keep verifying', async () => {
    const [ringA, ringB] = [a.server.signingKeys, b.server.signingKeys];
    const oldKid = ringA.tokenKeys.signingKid();
    assert.equal(ringB.tokenKeys.signingKid(), oldKid);
    const before = [await receipt(a), await receipt(b), await passwordIdToken(a)];
    assert.equal(decodeProtectedHeader(before[2]!).kid, oldKid);

    const db = a.server.database.db;
    const { kid: newKid, activatesAt } = await rotateSigningKey(db, a.server.services.box, epochSeconds());
    assert.ok(activatesAt >= epochSeconds() + KEY_ACTIVATION_DELAY_SECONDS - 1);
    await Promise.all([ringA.refresh(), ringB.refresh()]);
    for (const server of [a, b]) {
      assert.deepEqual(await jwksOf(server), [oldKid, newKid].sort(), 'pending key published');
      assert.equal(server.server.signingKeys.tokenKeys.signingKid(), oldKid, 'pending key does not sign yet');
    }

    // The activation comes (the clock moved on); only node A has reloaded since.
    const now = epochSeconds();
    await db.updateTable('signing_keys').set({ activates_at: now }).where('kid', '=', newKid).execute();
    await db.updateTable('signing_keys').set({ retired_at: now }).where('kid', '=', oldKid).execute();
    await ringA.refresh();
    assert.equal(ringA.tokenKeys.signingKid(), newKid);
    assert.equal(ringB.tokenKeys.signingKid(), oldKid, 'B has not reloaded yet');
    const idToken = await passwordIdToken(a);
    assert.equal(decodeProtectedHeader(idToken).kid, newKid, 'oidc-provider signs with the new key without a restart');
    const during = [await receipt(a), await receipt(b), idToken];

    for (const token of [...before, ...during]) {
      for (const server of [a, b]) assert.ok(await verifiesAt(server, token), `${decodeProtectedHeader(token).kid} verifies at ${server.issuer}`);
    }
    // Stepwise's own verifier accepts receipts from either node.
    for (const token of [...before.slice(0, 2), ...during.slice(0, 2)]) {
      await b.server.services.tokenKeys.verify(token, { issuer: undefined });
      await a.server.services.tokenKeys.verify(token, { issuer: undefined });
    }
    await ringB.refresh();
    assert.equal(ringB.tokenKeys.signingKid(), newKid);
  });

  test('a node restarted late signs with the newest key at once', async () => {
    await b.close();
    b = await startTestServer({ dataDir: a.dataDir });
    assert.equal(b.server.signingKeys.tokenKeys.signingKid(), a.server.signingKeys.tokenKeys.signingKid());
  });
});

describe('a retired key is deleted only after the last node stopped signing with it', () => {
  const TTL_GRACE = 600 + 60;
  let dir: string;
  let database: Database;
  let clock = 1_800_000_000;
  const rings: KeyRing[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-keys-'));
    database = await openDatabase(`sqlite:${join(dir, 'keys.db')}`);
  });
  after(async () => {
    for (const ring of rings) ring.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function node(): Promise<KeyRing> {
    const box = new SecretBox(resolveSecretKeys({ secretKeys: null, dataDir: dir } as Parameters<typeof resolveSecretKeys>[0]).keys);
    const ring = await createKeyRing({ db: database.db, box, graceSeconds: TTL_GRACE, logger: pino({ level: 'silent' }), now: () => clock });
    rings.push(ring);
    return ring;
  }

  test('a node that signs with the old key until its last reload keeps it published', async () => {
    const [a, b] = [await node(), await node()];
    const oldKid = a.tokenKeys.signingKid();
    assert.equal(b.tokenKeys.signingKid(), oldKid);
    const box = new SecretBox(resolveSecretKeys({ secretKeys: null, dataDir: dir } as Parameters<typeof resolveSecretKeys>[0]).keys);
    const rotatedAt = clock;
    const { kid: newKid, activatesAt } = await rotateSigningKey(database.db, box, rotatedAt);

    // B reloads just before the activation, then reloads no more (a stalled timer).
    clock = activatesAt - 1;
    await b.refresh();
    assert.equal(b.tokenKeys.signingKid(), oldKid);
    // Its last signature with the old key: just short of the age that forces a reload.
    clock = activatesAt - 1 + KEY_SET_MAX_AGE_SECONDS - 1;
    const lastOld = await b.tokenKeys.sign({ exp: clock + 600 }, 'stepwise-receipt+jwt');
    assert.equal(decodeProtectedHeader(lastOld).kid, oldKid);
    // One more second and B must reload before it signs: the new key.
    clock += 1;
    assert.equal(decodeProtectedHeader(await b.tokenKeys.sign({ exp: clock + 600 }, 'x+jwt')).kid, newKid);

    // The old rule (rotation + grace) would have deleted the key here, with lastOld still valid.
    clock = rotatedAt + TTL_GRACE + 1;
    await a.refresh();
    assert.ok((await listSigningKeys(database.db)).some((key) => key.kid === oldKid));
    // Still there until the last possible token of B has expired, plus skew.
    const lastOldExpiry = activatesAt - 1 + KEY_SET_MAX_AGE_SECONDS - 1 + 600;
    clock = lastOldExpiry + 59;
    await a.refresh();
    assert.ok((await listSigningKeys(database.db)).some((key) => key.kid === oldKid), 'kept while a token it signed is valid');
    await a.tokenKeys.verify(lastOld, { currentDate: new Date((lastOldExpiry - 1) * 1000) });
    clock = activatesAt + KEY_SET_MAX_AGE_SECONDS + TTL_GRACE + 1;
    await a.refresh();
    assert.deepEqual((await listSigningKeys(database.db)).map((key) => key.kid), [newKid]);
  });

  test('a node restarted late reports the key it signs with, which keeps that key published', async () => {
    const [a] = [await node()];
    const box = new SecretBox(resolveSecretKeys({ secretKeys: null, dataDir: dir } as Parameters<typeof resolveSecretKeys>[0]).keys);
    const current = a.tokenKeys.signingKid();
    // Rotated in, then rotated out again before a node had loaded it: only its reports count.
    clock += 10;
    const { kid: second } = await rotateSigningKey(database.db, box, clock);
    clock += KEY_ACTIVATION_DELAY_SECONDS;
    const late = await node();
    assert.equal(late.tokenKeys.signingKid(), second);
    const stamped = (await listSigningKeys(database.db)).find((key) => key.kid === second)!;
    assert.equal(stamped.lastSignedAt, clock);
    assert.notEqual(second, current);
  });
});
