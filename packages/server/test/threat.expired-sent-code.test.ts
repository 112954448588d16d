// Threat: an attacker finds an old code (an email read later, a text left
// on a lock screen) and types it after it should have expired. Emailed and
// texted codes live codes.ttl seconds, at most 10 minutes; after that even
// the right code is refused with ERR_CODE_EXPIRED. The refusal is not
// charged: a user who was simply slow must not be locked out for it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StepwiseError } from '@stepwise/core';
import { hashPassword, users } from '../src/index.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import type { Services } from '../src/services.js';
import { countFailures } from '../src/storage/attempts.js';
import { confirmFactor, createFactor, type Factor } from '../src/storage/factors.js';
import { listOutboxMessages } from '../src/storage/outbox.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';

const TTL = 300;

describe('a sent code typed after its lifetime', () => {
  let server: TestServer;
  let services: Services;
  let user: User;
  let factor: Factor;
  let realNow: () => number;

  before(async () => {
    server = await startTestServer({ overrides: { codes: { ttl: `${TTL}s`, sends_per_user: 100, sends_per_destination: 100 } } });
    services = server.server.services;
    realNow = services.now;
    const { db } = server.server.database;
    user = await users.createUser(db, { username: 'late', passwordHash: await hashPassword('late password') });
    factor = await createFactor(db, { userId: user.id, method: 'sms_otp', name: 'Phone', secret: null, destination: '+447700900301' });
    await confirmFactor(db, factor.id, services.now());
  });
  after(async () => server?.destroy());

  /** Runs `fn` with the server's clock moved `seconds` ahead. */
  async function later<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
    const start = realNow();
    services.now = () => start + seconds;
    try {
      return await fn();
    } finally {
      services.now = realNow;
    }
  }

  async function send(challengeKey: string): Promise<{ code: string; expiresAt: number }> {
    const sent = await sendOneTimeCode(services, { user, factor, challengeKey, purpose: 'approve a transfer' });
    const [latest] = await listOutboxMessages(server.server.database.db, 1);
    return { code: /\d{6}/.exec(latest!.body)![0], expiresAt: sent.expiresAt };
  }

  function verify(challengeKey: string, code: string) {
    return verifyOneTimeCode(services, { factors: [factor], code, scope: { challengeKey, userId: user.id } });
  }

  test('the code expires codes.ttl seconds after it was sent', async () => {
    const sendStart = realNow();
    const { expiresAt } = await send('step-up:ttl');
    assert.ok(expiresAt >= sendStart + TTL && expiresAt <= realNow() + TTL, `expires at ${expiresAt}`);
  });

  test('one second after the lifetime, the right code is ERR_CODE_EXPIRED and nothing is charged', async () => {
    const { code, expiresAt } = await send('step-up:late');
    await later(expiresAt - realNow() + 1, async () => {
      await assert.rejects(verify('step-up:late', code), (error: unknown) => error instanceof StepwiseError && error.code === 'ERR_CODE_EXPIRED');
      assert.equal(await countFailures(server.server.database.db, 'step-up:late', services.now(), 86_400), 0);
      assert.equal(await countFailures(server.server.database.db, `account:${user.id}`, services.now(), 900), 0);
    });
  });

  test('a code just inside its lifetime is accepted', async () => {
    const { code, expiresAt } = await send('step-up:in-time');
    const event = await later(expiresAt - realNow() - 1, () => verify('step-up:in-time', code));
    assert.equal(event.method, 'sms_otp');
  });

  test('after the lifetime, a newly sent code works where the old one did not', async () => {
    const old = await send('step-up:resend');
    await later(TTL + 1, async () => {
      await assert.rejects(verify('step-up:resend', old.code), (error: unknown) => error instanceof StepwiseError && error.code === 'ERR_CODE_EXPIRED');
      const fresh = await send('step-up:resend');
      assert.equal((await verify('step-up:resend', fresh.code)).method, 'sms_otp');
    });
  });
});
