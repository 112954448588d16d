// Threat: an attacker gets a copy of the database (a backup, a replica, the
// SQLite file) but not the secret keys. They look for TOTP secrets to mint
// codes and for the token signing key to forge ID tokens. With write access
// they move a sealed TOTP secret they can use into another user's factor row,
// hoping the server decrypts it there. Secrets are sealed with AES-GCM bound
// to their row, so none of this works, and the victim sees an ordinary
// refusal rather than a server error.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formOf } from './support/browser.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { addUser, enrollTotp, errorCodeIn, send, signIn, type Answer, type Credentials, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Bytes(text: string): Buffer {
  const bits = [...text].map((char) => BASE32.indexOf(char).toString(2).padStart(5, '0')).join('');
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

/** Every form the shown secret could be stored in. */
function encodingsOf(secret: string): string[] {
  const bytes = base32Bytes(secret);
  return [secret, secret.toLowerCase(), bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')];
}

describe('secrets at rest', () => {
  const alice: Credentials = { username: 'alice-at-rest', password: 'alice at rest password' };
  const bob: Credentials = { username: 'bob-at-rest', password: 'bob at rest password' };
  let server: TestServer;
  let aliceApp: Enrolled;
  let bobApp: Enrolled;
  let moved: Answer;

  before(async () => {
    server = await startTestServer();
    await addUser(server, alice);
    await addUser(server, bob);
    aliceApp = await enrollTotp((await signIn(server, alice)).browser, server.issuer);
    bobApp = await enrollTotp((await signIn(server, bob)).browser, server.issuer);
  });
  after(async () => server.destroy());

  const db = () => server.server.database.db;

  test('the factors row holds no form of the secret the enrollment page showed', async () => {
    const row = await db().selectFrom('factors').selectAll().where('id', '=', aliceApp.factorId).executeTakeFirstOrThrow();
    assert.match(row.secret ?? '', /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    for (const encoding of encodingsOf(aliceApp.secret)) assert.ok(!row.secret!.includes(encoding), `stored secret contains ${encoding}`);
  });

  test('the database files on disk hold neither the secret nor its raw bytes', () => {
    for (const file of ['stepwise.db', 'stepwise.db-wal'].map((name) => join(server.dataDir, name)).filter((path) => existsSync(path))) {
      const contents = readFileSync(file);
      for (const encoding of encodingsOf(aliceApp.secret)) assert.equal(contents.includes(encoding), false, `${file} contains ${encoding}`);
      assert.equal(contents.includes(base32Bytes(aliceApp.secret)), false, `${file} contains the raw key`);
    }
  });

  test('the signing key row holds no private "d" in clear', async () => {
    const rows = await db().selectFrom('signing_keys').selectAll().execute();
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.doesNotMatch(row.private_jwk, /"d"\s*:/);
      assert.throws(() => JSON.parse(row.private_jwk) as unknown, SyntaxError, 'the private JWK is not stored as JSON');
      assert.equal('d' in (JSON.parse(row.public_jwk) as Record<string, unknown>), false);
    }
  });

  describe("alice's sealed secret copied into bob's factor row", () => {
    before(async () => {
      const sealed = (await db().selectFrom('factors').select('secret').where('id', '=', aliceApp.factorId).executeTakeFirstOrThrow()).secret;
      await db().updateTable('factors').set({ secret: sealed }).where('id', '=', bobApp.factorId).execute();
      const { browser } = await signIn(server, bob);
      const { action, fields } = formOf(await browser.go(`${server.issuer}/step-up?return_to=/account`), '/step-up');
      moved = await send(action, { browser, accept: 'text/html', form: { ...fields, code: totpForStep(aliceApp.secret, aliceApp.step + 1) } });
    });

    test('a code from alice\'s app does not step bob up', () => {
      assert.notEqual(moved.status, 303, `accepted, sent to ${moved.headers.get('location')}`);
      assert.doesNotMatch(moved.body, /data-error-code="ERR_CODE_REUSED"/);
    });

    test('bob sees an ordinary refusal (400 ERR_CODE_INVALID), not a server error', () => {
      assert.equal(moved.status, 400, `status ${moved.status}, code ${errorCodeIn(moved)}`);
      assert.equal(errorCodeIn(moved), 'ERR_CODE_INVALID');
    });
  });
});
