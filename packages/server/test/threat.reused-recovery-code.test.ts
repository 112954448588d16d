// Threat: an attacker who knows the password gets hold of a recovery code
// the victim already used (a photo of the printed sheet, a phishing proxy
// that relayed it, a shared screen) and presents it again. Or they race the
// victim: the same code sent twice at once, to one server or to two nodes
// sharing the database, hoping both requests pass the "unused" check before
// either marks it used. A code must be accepted once, whatever the timing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { StepwiseError } from '@stepwise/core';
import { users } from '../src/index.js';
import { countRemainingRecoveryCodes, generateRecoveryCodes, verifyRecoveryCode, type RecoveryCodeUse } from '../src/flows/recovery-codes.js';
import type { Services } from '../src/services.js';
import { openDatabase } from '../src/storage/database.js';
import { listFactors, type Factor } from '../src/storage/factors.js';
import { useRecoveryCode } from '../src/storage/recovery-codes.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { addUser } from './support/threat-kit.js';

const codeOf = (err: unknown) => (err instanceof StepwiseError ? err.code : String(err));

describe('a reused recovery code', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.destroy());

  const services = () => server.server.services;
  const db = () => server.server.database.db;

  async function victimWithCodes(): Promise<{ user: users.User; codes: string[]; factors: Factor[] }> {
    const id = await addUser(server, { username: `reuse-${randomUUID().slice(0, 8)}`, password: 'reused code password' });
    const user = (await users.findUserById(db(), id))!;
    const codes = await generateRecoveryCodes(services(), user);
    return { user, codes, factors: await listFactors(db(), user.id, { confirmedOnly: true }) };
  }

  /** The code presented in its own step-up, as a separate session would. */
  function present(on: Services, user: users.User, factors: readonly Factor[], code: string): Promise<RecoveryCodeUse> {
    return verifyRecoveryCode(on, { factors, code, scope: { challengeKey: `attacker:${randomUUID()}`, userId: user.id } });
  }

  test('a used code is refused with ERR_CODE_REUSED, in any typed form, and spends nothing', async () => {
    const { user, codes, factors } = await victimWithCodes();
    assert.equal((await present(services(), user, factors, codes[2]!)).remaining, 9, 'the victim uses it');

    for (const form of [codes[2]!, codes[2]!.toLowerCase(), codes[2]!.replace(/-/g, '')]) {
      await assert.rejects(present(services(), user, factors, form), (err: unknown) => {
        assert.equal(codeOf(err), 'ERR_CODE_REUSED', form);
        return true;
      });
    }
    assert.equal(await countRemainingRecoveryCodes(services(), factors), 9);
  });

  test('the same code sent twice at once: exactly one use succeeds', async () => {
    const { user, codes, factors } = await victimWithCodes();
    const results = await Promise.allSettled([
      present(services(), user, factors, codes[0]!),
      present(services(), user, factors, codes[0]!),
    ]);
    const accepted = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    assert.equal(accepted.length, 1);
    assert.equal(accepted[0]!.value.remaining, 9);
    assert.deepEqual(refused.map((result) => codeOf(result.reason)), ['ERR_CODE_REUSED']);
    assert.equal(await countRemainingRecoveryCodes(services(), factors), 9);
  });

  test('the same code sent at once to two nodes sharing the database: exactly one use succeeds', async () => {
    const { user, codes, factors } = await victimWithCodes();
    // A second connection to the same database file stands in for a second server node.
    const other = await openDatabase(services().config.databaseUrl);
    try {
      const otherNode: Services = { ...services(), db: other.db };
      const results = await Promise.allSettled([
        present(services(), user, factors, codes[5]!),
        present(otherNode, user, factors, codes[5]!),
        present(services(), user, factors, codes[5]!.toLowerCase()),
        present(otherNode, user, factors, codes[5]!.replace(/-/g, ' ')),
      ]);
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      const refusals = results.flatMap((result) => (result.status === 'rejected' ? [codeOf(result.reason)] : []));
      assert.deepEqual(refusals, ['ERR_CODE_REUSED', 'ERR_CODE_REUSED', 'ERR_CODE_REUSED']);
    } finally {
      await other.close();
    }
    assert.equal(await countRemainingRecoveryCodes(services(), factors), 9);
  });

  test('the storage check-and-set alone: of many concurrent uses of one code, one is told it used it', async () => {
    const { factors } = await victimWithCodes();
    const factorId = factors.find((factor) => factor.method === 'recovery_code')!.id;
    const at = services().now();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => useRecoveryCode(db(), { factorId, seq: 4, at })));
    assert.equal(outcomes.filter(Boolean).length, 1);
  });
});
