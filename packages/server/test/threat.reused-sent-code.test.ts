// Threat: an attacker who knows the password sees a code the victim was
// sent (over their shoulder, on a lock screen preview, in a forwarded
// email) after the victim used it, and types it in again. Or they race the
// victim, submitting the same code at the same moment from several
// requests, hoping two of them are accepted. A sent code is accepted once;
// every later use, and every loser of a race, gets ERR_CODE_REUSED.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StepwiseError } from '@stepwise/core';
import { hashPassword, users } from '../src/index.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import { countFailures } from '../src/storage/attempts.js';
import { confirmFactor, createFactor, type Factor } from '../src/storage/factors.js';
import { listOutboxMessages } from '../src/storage/outbox.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';

const PURPOSE = 'confirm a sign-in to Stepwise Bank';

describe('a sent code used twice', () => {
  let server: TestServer;
  let user: User;
  let factor: Factor;

  before(async () => {
    // The demo server's outbox stands in for the victim's inbox; send limits
    // are raised so this file's many codes to one address are not refused.
    server = await startTestServer({ overrides: { codes: { sends_per_user: 100, sends_per_destination: 100 } } });
    const { db } = server.server.database;
    user = await users.createUser(db, { username: 'reuse-victim', passwordHash: await hashPassword('reuse victim password') });
    factor = await createFactor(db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination: 'reuse-victim@example.com' });
    await confirmFactor(db, factor.id, server.server.services.now());
  });
  after(async () => server?.destroy());

  async function sendCode(challengeKey: string): Promise<string> {
    await sendOneTimeCode(server.server.services, { user, factor, challengeKey, purpose: PURPOSE });
    const [latest] = await listOutboxMessages(server.server.database.db, 1);
    return /\d{6}/.exec(latest!.body)![0];
  }

  function verify(challengeKey: string, code: string) {
    return verifyOneTimeCode(server.server.services, { factors: [factor], code, scope: { challengeKey, userId: user.id } });
  }

  const isReused = (error: unknown) => error instanceof StepwiseError && error.code === 'ERR_CODE_REUSED';

  test('accepted once, then refused with ERR_CODE_REUSED, and the reuse is charged', async () => {
    const code = await sendCode('step-up:reuse-1');
    assert.equal((await verify('step-up:reuse-1', code)).method, 'email_otp');
    await assert.rejects(verify('step-up:reuse-1', code), isReused);
    const failures = await countFailures(server.server.database.db, 'step-up:reuse-1', server.server.services.now(), 86_400);
    assert.equal(failures, 1, 'the reuse counts toward the step-up limit');
  });

  test('still refused after a new code was sent for the same step-up', async () => {
    const code = await sendCode('step-up:reuse-2');
    await verify('step-up:reuse-2', code);
    const fresh = await sendCode('step-up:reuse-2');
    if (fresh !== code) {
      await assert.rejects(verify('step-up:reuse-2', code), isReused);
    }
    assert.equal((await verify('step-up:reuse-2', fresh)).method, 'email_otp', 'the new code works');
  });

  test('five verifications racing with one code: exactly one wins, the others get ERR_CODE_REUSED', async () => {
    const code = await sendCode('step-up:race');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => verify('step-up:race', code)));
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    assert.equal(won.length, 1, 'exactly one verification succeeds');
    for (const loss of lost) assert.ok(isReused(loss.reason), `expected ERR_CODE_REUSED, got ${String(loss.reason)}`);
  });

  test('two verifications racing with Promise.all: exactly one is accepted, the other is ERR_CODE_REUSED', async () => {
    const code = await sendCode('step-up:race-2');
    const outcomes = await Promise.all(
      [0, 1].map(() => verify('step-up:race-2', code).then(() => 'accepted', (error: unknown) => (isReused(error) ? 'reused' : String(error)))),
    );
    assert.deepEqual(outcomes.sort(), ['accepted', 'reused']);
  });
});
