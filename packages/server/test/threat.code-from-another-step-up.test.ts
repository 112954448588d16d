// Threat: a code is bound to the step-up it was sent for, the factor it was
// sent to and the user it belongs to. An attacker who obtains a code (a
// phishing page relaying it, a shared inbox) tries it where it was not
// meant to go: in another step-up of the same account (a different, more
// valuable transaction), with another of the victim's factors, or in their
// own account's step-up. Each is a wrong code, charged as one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword, users } from '../src/index.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import { countFailures } from '../src/storage/attempts.js';
import { confirmFactor, createFactor, type Factor } from '../src/storage/factors.js';
import { listOutboxMessages } from '../src/storage/outbox.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { withCode } from './support/stepwise-errors.js';

const PURPOSE = 'confirm a payment';


describe('a code used outside the step-up it was sent for', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ overrides: { codes: { sends_per_user: 100, sends_per_destination: 100 } } });
  });
  after(async () => server?.destroy());

  async function account(username: string, destinations: { email: string; sms: string }): Promise<{ user: User; email: Factor; sms: Factor }> {
    const { db } = server.server.database;
    const user = await users.createUser(db, { username, passwordHash: await hashPassword(`${username} password`) });
    const email = await createFactor(db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination: destinations.email });
    const sms = await createFactor(db, { userId: user.id, method: 'sms_otp', name: 'Phone', secret: null, destination: destinations.sms });
    for (const factor of [email, sms]) await confirmFactor(db, factor.id, server.server.services.now());
    return { user, email, sms };
  }

  async function send(user: User, factor: Factor, challengeKey: string): Promise<string> {
    await sendOneTimeCode(server.server.services, { user, factor, challengeKey, purpose: PURPOSE });
    const [latest] = await listOutboxMessages(server.server.database.db, 1);
    return /\d{6}/.exec(latest!.body)![0];
  }

  function verify(user: User, factors: Factor[], challengeKey: string, code: string) {
    return verifyOneTimeCode(server.server.services, { factors, code, scope: { challengeKey, userId: user.id } });
  }

  test('a code sent for step-up A is refused in step-up B, and still works in A', async () => {
    const victim = await account('bound-a', { email: 'bound-a@example.com', sms: '+447700900201' });
    const code = await send(victim.user, victim.email, 'step-up:A');
    await send(victim.user, victim.email, 'step-up:B');
    await assert.rejects(verify(victim.user, [victim.email, victim.sms], 'step-up:B', code), withCode('ERR_CODE_INVALID'));
    const failures = await countFailures(server.server.database.db, 'step-up:B', server.server.services.now(), 86_400);
    assert.equal(failures, 1, 'charged to step-up B');
    assert.equal((await verify(victim.user, [victim.email, victim.sms], 'step-up:A', code)).authenticatorId, victim.email.id);
  });

  test('a code sent by email is refused when only the phone may answer', async () => {
    const victim = await account('bound-factor', { email: 'bound-factor@example.com', sms: '+447700900202' });
    const code = await send(victim.user, victim.email, 'step-up:C');
    await assert.rejects(verify(victim.user, [victim.sms], 'step-up:C', code), withCode('ERR_CODE_INVALID'));
  });

  test("the victim's code is refused in the attacker's own account, in a step-up with the same key", async () => {
    const victim = await account('bound-victim', { email: 'bound-victim@example.com', sms: '+447700900203' });
    const attacker = await account('bound-attacker', { email: 'bound-attacker@example.com', sms: '+447700900204' });
    const code = await send(victim.user, victim.email, 'interaction:shared');
    await send(attacker.user, attacker.email, 'interaction:shared');
    await assert.rejects(verify(attacker.user, [attacker.email, attacker.sms], 'interaction:shared', code), withCode('ERR_CODE_INVALID'));
    // Naming the victim's factor does not help: it is not the attacker's.
    await assert.rejects(verify(attacker.user, [victim.email], 'interaction:shared', code), withCode('ERR_FACTOR_NOT_ENROLLED'));
    assert.equal((await verify(victim.user, [victim.email], 'interaction:shared', code)).authenticatorId, victim.email.id, 'the victim can still use it');
  });

  test("a step-up cannot send a code to another user's factor", async () => {
    const victim = await account('bound-send-victim', { email: 'bound-send-victim@example.com', sms: '+447700900205' });
    const attacker = await account('bound-send-attacker', { email: 'bound-send-attacker@example.com', sms: '+447700900206' });
    await assert.rejects(
      sendOneTimeCode(server.server.services, { user: attacker.user, factor: victim.email, challengeKey: 'step-up:D', purpose: PURPOSE }),
      withCode('ERR_FACTOR_NOT_ENROLLED'),
    );
  });
});
