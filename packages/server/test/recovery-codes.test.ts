// What the user relies on: ten single-use recovery codes, shown once and
// stored only as keyed hashes; each one gets them in exactly once, however
// they type it (lower case, without dashes, with spaces, an O for a 0), and
// tells them how many remain; using the last one retires the set; making a
// new set retires the old one; the codes are theirs alone. The operator
// relies on every use being logged with the count left, never the code.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { StepwiseError } from '@stepwise/core';
import { users } from '../src/index.js';
import { normalizeRecoveryCode } from '../src/factors/recovery-codes.js';
import { countRemainingRecoveryCodes, generateRecoveryCodes, verifyRecoveryCode } from '../src/flows/recovery-codes.js';
import { listFactors, type Factor } from '../src/storage/factors.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { withCode } from './support/stepwise-errors.js';
import { addUser } from './support/threat-kit.js';

const GROUPED = /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly userId?: string;
  readonly factorId?: string;
  readonly remaining?: number;
}

describe('recovery codes', () => {
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ logger });
  });
  after(async () => server?.destroy());

  const services = () => server.server.services;
  const db = () => server.server.database.db;

  async function newUser(): Promise<users.User> {
    const id = await addUser(server, { username: `recovery-${randomUUID().slice(0, 8)}`, password: 'recovery test password' });
    const user = await users.findUserById(db(), id);
    assert.ok(user);
    return user;
  }

  const factorsOf = (userId: string): Promise<Factor[]> => listFactors(db(), userId, { confirmedOnly: true });

  /** One code typed in a fresh step-up of the user. */
  async function use(user: users.User, code: string) {
    return verifyRecoveryCode(services(), {
      factors: await factorsOf(user.id),
      code,
      scope: { challengeKey: `test:${randomUUID()}`, userId: user.id },
    });
  }

  test('a new set is ten distinct codes, XXXX-XXXX-XXXX-XXXX, held by one confirmed factor', async () => {
    const user = await newUser();
    const codes = await generateRecoveryCodes(services(), user);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, GROUPED);

    const recovery = (await factorsOf(user.id)).filter((factor) => factor.method === 'recovery_code');
    assert.equal(recovery.length, 1);
    assert.equal(recovery[0]!.name, 'Recovery codes');
    assert.equal(recovery[0]!.secret, null);
    assert.equal(recovery[0]!.destination, null);
    const rows = await db().selectFrom('recovery_codes').selectAll().where('factor_id', '=', recovery[0]!.id).orderBy('seq').execute();
    assert.deepEqual(rows.map((row) => row.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(rows.every((row) => row.used_at === null));
    assert.equal(await countRemainingRecoveryCodes(services(), await factorsOf(user.id)), 10);
  });

  test('the database holds none of the codes in clear, in its rows or its files', async () => {
    const user = await newUser();
    const codes = await generateRecoveryCodes(services(), user);
    const forms = codes.flatMap((code) => [code, normalizeRecoveryCode(code)!, code.toLowerCase(), normalizeRecoveryCode(code)!.toLowerCase()]);

    const factorRows = await db().selectFrom('factors').selectAll().where('user_id', '=', user.id).execute();
    const codeRows = await db().selectFrom('recovery_codes').selectAll().where('factor_id', 'in', factorRows.map((row) => row.id)).execute();
    assert.equal(codeRows.length, 10);
    for (const row of codeRows) assert.match(row.code_hash, /^[^:]+:[A-Za-z0-9_-]{43}$/, 'a key id and an HMAC-SHA-256');
    const stored = JSON.stringify([factorRows, codeRows]);
    for (const form of forms) assert.equal(stored.includes(form), false, `a row contains ${form}`);

    for (const file of ['stepwise.db', 'stepwise.db-wal'].map((name) => join(server.dataDir, name)).filter((path) => existsSync(path))) {
      const contents = readFileSync(file);
      for (const form of forms) assert.equal(contents.includes(form), false, `${file} contains ${form}`);
    }
  });

  test('each code works once, and says how many remain: 9, 8, … 0; then the set is gone', async () => {
    const user = await newUser();
    const codes = await generateRecoveryCodes(services(), user);
    const factorId = (await factorsOf(user.id)).find((factor) => factor.method === 'recovery_code')!.id;

    for (const [index, code] of codes.entries()) {
      const before = services().now();
      const { event, remaining } = await use(user, code);
      assert.equal(remaining, 9 - index);
      assert.equal(event.method, 'recovery_code');
      assert.equal(event.authenticatorId, factorId);
      assert.ok(event.at >= before && event.at <= services().now());
      if (remaining > 0) {
        assert.equal(await countRemainingRecoveryCodes(services(), await factorsOf(user.id)), remaining);
        const factor = (await factorsOf(user.id)).find((candidate) => candidate.id === factorId)!;
        assert.equal(factor.lastUsedAt, event.at, 'the factor records its last use');
        await assert.rejects(use(user, code), withCode('ERR_CODE_REUSED'), `code ${index + 1} a second time`);
      }
    }

    assert.equal((await factorsOf(user.id)).some((factor) => factor.method === 'recovery_code'), false, 'the exhausted set is no authenticator');
    assert.equal(await countRemainingRecoveryCodes(services(), await factorsOf(user.id)), 0);
    const leftRows = await db().selectFrom('recovery_codes').select('seq').where('factor_id', '=', factorId).execute();
    assert.equal(leftRows.length, 0, 'the codes went with their factor');
    await assert.rejects(use(user, codes[0]!), withCode('ERR_FACTOR_NOT_ENROLLED'));
  });

  test('typed forms are accepted: lower case, no dashes, spaces, O for 0, I or L for 1', async () => {
    const user = await newUser();
    let codes = await generateRecoveryCodes(services(), user);
    // The look-alike forms need a code with a 0 and another with a 1.
    const hasBoth = (set: string[]) => {
      const zero = set.findIndex((code) => code.includes('0'));
      const one = set.findIndex((code, index) => index !== zero && code.includes('1'));
      return zero >= 0 && one >= 0 ? [zero, one] : undefined;
    };
    while (!hasBoth(codes)) codes = await generateRecoveryCodes(services(), user);
    const [zero, one] = hasBoth(codes)!;
    const rest = codes.filter((_, index) => index !== zero && index !== one);

    const typed = [
      codes[zero!]!.replace(/0/g, 'O').toLowerCase(),
      codes[one!]!.replace(/1/g, (_, offset: number) => (offset % 2 === 0 ? 'I' : 'l')),
      rest[0]!.toLowerCase(),
      rest[1]!.replace(/-/g, ''),
      rest[2]!.replace(/-/g, ' '),
      `  ${rest[3]!.replace(/-/g, '').toLowerCase().replace(/(.{4})/g, '$1 ')}  `,
    ];
    for (const [index, form] of typed.entries()) {
      const { remaining } = await use(user, form);
      assert.equal(remaining, 9 - index, JSON.stringify(form));
    }
  });

  test('a new set replaces the old one: the old codes stop working', async () => {
    const user = await newUser();
    const first = await generateRecoveryCodes(services(), user);
    const firstFactorId = (await factorsOf(user.id)).find((factor) => factor.method === 'recovery_code')!.id;
    assert.equal((await use(user, first[0]!)).remaining, 9);

    const second = await generateRecoveryCodes(services(), user);
    const recovery = (await factorsOf(user.id)).filter((factor) => factor.method === 'recovery_code');
    assert.equal(recovery.length, 1, 'one set at a time');
    assert.notEqual(recovery[0]!.id, firstFactorId);
    assert.equal(second.some((code) => first.includes(code)), false);
    assert.equal((await db().selectFrom('recovery_codes').select('seq').where('factor_id', '=', firstFactorId).execute()).length, 0);

    await assert.rejects(use(user, first[1]!), withCode('ERR_CODE_INVALID'), 'an unused code of the old set');
    await assert.rejects(use(user, first[0]!), withCode('ERR_CODE_INVALID'), 'a used code of the old set');
    assert.equal((await use(user, second[0]!)).remaining, 9, 'the new set starts full');
  });

  test("a code of user A does not work for user B, nor A's factors in B's step-up, nor A's hash copied into B's set", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceCodes = await generateRecoveryCodes(services(), alice);
    const bobCodes = await generateRecoveryCodes(services(), bob);

    await assert.rejects(use(bob, aliceCodes[0]!), withCode('ERR_CODE_INVALID'));
    await assert.rejects(
      verifyRecoveryCode(services(), {
        factors: await factorsOf(alice.id),
        code: aliceCodes[0]!,
        scope: { challengeKey: `test:${randomUUID()}`, userId: bob.id },
      }),
      withCode('ERR_FACTOR_NOT_ENROLLED'),
    );

    // Someone with write access to the database copies one of alice's hashes over bob's.
    const aliceFactorId = (await factorsOf(alice.id)).find((factor) => factor.method === 'recovery_code')!.id;
    const bobFactorId = (await factorsOf(bob.id)).find((factor) => factor.method === 'recovery_code')!.id;
    const aliceHash = await db().selectFrom('recovery_codes').select('code_hash').where('factor_id', '=', aliceFactorId).where('seq', '=', 1).executeTakeFirstOrThrow();
    await db().updateTable('recovery_codes').set({ code_hash: aliceHash.code_hash }).where('factor_id', '=', bobFactorId).where('seq', '=', 1).execute();
    await assert.rejects(use(bob, aliceCodes[1]!), withCode('ERR_CODE_INVALID'));

    await assert.rejects(use(bob, bobCodes[1]!), withCode('ERR_CODE_INVALID'), "bob's overwritten code is lost, not swapped");

    assert.equal((await use(alice, aliceCodes[0]!)).remaining, 9, "alice's codes were not spent by the attempts");
    assert.equal((await use(bob, bobCodes[0]!)).remaining, 9);
  });

  test('malformed input is an ordinary wrong code, counted like one', async () => {
    const user = await newUser();
    await generateRecoveryCodes(services(), user);
    const scope = { challengeKey: `test:${randomUUID()}`, userId: user.id };
    const factors = await factorsOf(user.id);
    const left: unknown[] = [];
    for (const code of ['', '123456', 'x'.repeat(10_000), '\u0000\u0000']) {
      await assert.rejects(verifyRecoveryCode(services(), { factors, code, scope }), (err: unknown) => {
        withCode('ERR_CODE_INVALID')(err);
        left.push((err as StepwiseError).details.attempts_left);
        return true;
      });
    }
    assert.deepEqual(left, [4, 3, 2, 1]);
  });

  test('a right code clears the account failure counter, as a right TOTP code does', async () => {
    const user = await newUser();
    const codes = await generateRecoveryCodes(services(), user);
    const { accountMaxFailures } = services().config.stepUp;
    // One short of the lock, each in its own step-up so only the account counter adds up.
    for (let i = 0; i < accountMaxFailures - 1; i++) await assert.rejects(use(user, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'), withCode('ERR_CODE_INVALID'));
    await use(user, codes[0]!);
    for (let i = 0; i < accountMaxFailures - 1; i++) await assert.rejects(use(user, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'), withCode('ERR_CODE_INVALID'));
    assert.equal((await use(user, codes[1]!)).remaining, 8, 'not locked');
  });

  test('a user without recovery codes has none to use and none remaining', async () => {
    const user = await newUser();
    assert.equal(await countRemainingRecoveryCodes(services(), await factorsOf(user.id)), 0);
    await assert.rejects(use(user, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'), withCode('ERR_FACTOR_NOT_ENROLLED'));
  });

  test('every use is logged at info with how many remain, and no log line holds a code', async () => {
    const user = await newUser();
    const codes = await generateRecoveryCodes(services(), user);
    const factorId = (await factorsOf(user.id)).find((factor) => factor.method === 'recovery_code')!.id;
    const from = logLines.length;
    await use(user, codes[3]!.toLowerCase());
    await use(user, codes[7]!);

    const parsed = logLines.slice(from).map((line) => JSON.parse(line) as LogLine);
    const uses = parsed.filter((line) => line.msg === 'recovery code used');
    assert.deepEqual(
      uses.map(({ level, userId, factorId: id, remaining }) => ({ level, userId, factorId: id, remaining })),
      [
        { level: logger.levels.values.info, userId: user.id, factorId, remaining: 9 },
        { level: logger.levels.values.info, userId: user.id, factorId, remaining: 8 },
      ],
    );
    const everything = logLines.join('\n').toUpperCase();
    for (const code of codes) {
      assert.equal(everything.includes(code), false, `the log holds ${code}`);
      assert.equal(everything.includes(normalizeRecoveryCode(code)!), false, `the log holds ${code} normalized`);
    }
  });
});
