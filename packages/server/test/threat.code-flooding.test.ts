// Threat: an attacker uses Stepwise to flood someone with emails or texts
// (harassment, or SMS "toll fraud" that bills the operator per message):
// they press "send a new code" over and over, on one account with several
// addresses, or from several accounts that all name the victim's address.
// Sends are limited per user (codes.sends_per_user) and per destination
// (codes.sends_per_destination) in a window (codes.send_window); beyond
// them the answer is ERR_SEND_RATE_LIMITED with retry_after, and nothing
// more leaves the server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StepwiseError } from '@stepwise/core';
import { hashPassword, users } from '../src/index.js';
import { startContactEnrollment } from '../src/flows/contact-enrollment.js';
import { sendOneTimeCode } from '../src/flows/one-time-codes.js';
import { confirmFactor, createFactor, type Factor } from '../src/storage/factors.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const PER_USER = 4;
const PER_DESTINATION = 2;
const WINDOW = 900;

function isRateLimited(error: unknown): boolean {
  if (!(error instanceof StepwiseError) || error.code !== 'ERR_SEND_RATE_LIMITED') return false;
  const retryAfter = error.details.retry_after;
  assert.ok(typeof retryAfter === 'number' && retryAfter > 0 && retryAfter <= WINDOW, `retry_after ${String(retryAfter)}`);
  return true;
}

describe('sending codes beyond the limits', () => {
  let sink: SmtpSink;
  let server: TestServer;

  before(async () => {
    sink = await startSmtpSink();
    server = await startTestServer({
      overrides: {
        email: { smtp: { host: '127.0.0.1', port: sink.port } },
        outbox: false,
        codes: { sends_per_user: PER_USER, sends_per_destination: PER_DESTINATION, send_window: WINDOW },
      },
    });
  });
  after(async () => {
    await server?.destroy();
    await sink?.stop();
  });

  async function userWithAddresses(username: string, addresses: string[]): Promise<{ user: User; factors: Factor[] }> {
    const { db } = server.server.database;
    const user = await users.createUser(db, { username, passwordHash: await hashPassword(`${username} password`) });
    const factors: Factor[] = [];
    for (const destination of addresses) {
      const factor = await createFactor(db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination });
      await confirmFactor(db, factor.id, server.server.services.now());
      factors.push(factor);
    }
    return { user, factors };
  }

  function send(user: User, factor: Factor, challengeKey = `step-up:${user.id}`) {
    return sendOneTimeCode(server.server.services, { user, factor, challengeKey, purpose: 'confirm a sign-in' });
  }

  test('one address: after codes.sends_per_destination sends, the next is refused and never reaches the mail server', async () => {
    const { user, factors: [factor] } = await userWithAddresses('flood-one', ['flood-one@example.com']);
    for (let i = 0; i < PER_DESTINATION; i++) await send(user, factor!);
    assert.equal(sink.messagesTo('flood-one@example.com').length, PER_DESTINATION);
    await assert.rejects(send(user, factor!), isRateLimited);
    await assert.rejects(send(user, factor!, 'step-up:another'), isRateLimited, 'a new step-up does not reset it');
    assert.equal(sink.messagesTo('flood-one@example.com').length, PER_DESTINATION);
  });

  test("several accounts naming the victim's address share its limit, whatever the case of the address", async () => {
    const first = await userWithAddresses('flood-a', ['victim@example.com']);
    const second = await userWithAddresses('flood-b', ['Victim@example.com']);
    await send(first.user, first.factors[0]!);
    await send(second.user, second.factors[0]!);
    await assert.rejects(send(second.user, second.factors[0]!), isRateLimited);
    await assert.rejects(send(first.user, first.factors[0]!), isRateLimited);
    const received = sink.messages.filter((mail) => mail.to.some((to) => to.toLowerCase() === 'victim@example.com')).length;
    assert.equal(received, PER_DESTINATION);
  });

  test('adding the victim\'s address over and over as a new sign-in method is limited the same way', async () => {
    const { db } = server.server.database;
    const attacker = await users.createUser(db, { username: 'flood-enroll', passwordHash: await hashPassword('flood enroll password') });
    const services = server.server.services;
    for (let i = 0; i < PER_DESTINATION; i++) {
      await startContactEnrollment(services, { user: attacker, channel: 'email', destination: 'enroll-victim@example.com' });
    }
    await assert.rejects(startContactEnrollment(services, { user: attacker, channel: 'email', destination: 'enroll-victim@example.com' }), isRateLimited);
    assert.equal(sink.messagesTo('enroll-victim@example.com').length, PER_DESTINATION);
  });

  test('one account with many addresses: after codes.sends_per_user sends, the next is refused', async () => {
    const addresses = Array.from({ length: PER_USER + 1 }, (_, index) => `flood-many-${index}@example.com`);
    const { user, factors } = await userWithAddresses('flood-many', addresses);
    for (const factor of factors.slice(0, PER_USER)) await send(user, factor);
    await assert.rejects(send(user, factors[PER_USER]!), isRateLimited);
    assert.equal(sink.messagesTo(addresses[PER_USER]!).length, 0);
    assert.equal(sink.messages.filter((mail) => mail.to.some((to) => to.startsWith('flood-many-'))).length, PER_USER);
  });

  test('once the window has passed, codes can be sent again', async () => {
    const { user, factors: [factor] } = await userWithAddresses('flood-later', ['flood-later@example.com']);
    for (let i = 0; i < PER_DESTINATION; i++) await send(user, factor!);
    await assert.rejects(send(user, factor!), isRateLimited);
    const services = server.server.services;
    const realNow = services.now;
    const start = realNow();
    services.now = () => start + WINDOW + 1;
    try {
      await send(user, factor!);
    } finally {
      services.now = realNow;
    }
    assert.equal(sink.messagesTo('flood-later@example.com').length, PER_DESTINATION + 1);
  });
});
