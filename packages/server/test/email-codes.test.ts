// What the user relies on: adding an email address sends a code there over
// real SMTP, the code confirms the address, and later step-ups can send a
// code to it; a typo in the address is a clear validation error; a server
// that cannot send email says so instead of pretending; and when the mail
// server is down the user is told, and the code that never arrived can
// never be used by someone who intercepted it on the way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '@stepwise/core';
import { hashPassword, users } from '../src/index.js';
import type { Messenger } from '../src/delivery/messenger.js';
import { confirmContactEnrollment, normalizeDestination, startContactEnrollment } from '../src/flows/contact-enrollment.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import { confirmFactor, createFactor, findFactor, listFactors } from '../src/storage/factors.js';
import { findCodes } from '../src/storage/one-time-codes.js';
import type { User } from '../src/storage/users.js';
import { freePort, startTestServer, type TestServer } from './support/harness.js';
import { rejectsWith } from './support/stepwise-errors.js';
import { codeInMail, startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const FROM = 'Stepwise Tests <no-reply@stepwise.test>';

async function newUser(server: TestServer, username: string): Promise<User> {
  return users.createUser(server.server.database.db, { username, passwordHash: await hashPassword(`${username} password`) });
}

describe('email codes over a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;

  before(async () => {
    sink = await startSmtpSink();
    server = await startTestServer({
      overrides: { email: { smtp: { host: '127.0.0.1', port: sink.port }, from: FROM }, outbox: false },
    });
  });
  after(async () => {
    await server?.destroy();
    await sink?.stop();
  });

  test('adding an address: the code arrives by email and confirms it', async () => {
    const { services } = server.server;
    const user = await newUser(server, 'erin');
    const sent = await startContactEnrollment(services, { user, channel: 'email', destination: '  Erin@Example.COM ' });
    assert.equal(sent.channel, 'email');
    assert.equal(sent.maskedDestination, 'E•••@example.com');
    assert.ok(sent.expiresAt > services.now() && sent.expiresAt <= services.now() + 600);

    const mail = await sink.waitForMessage('Erin@example.com');
    assert.equal(mail.subject, 'Your verification code');
    assert.match(mail.headers.get('from') ?? '', /no-reply@stepwise\.test/);
    assert.match(mail.text, /confirm this email address for your Stepwise account/);
    assert.match(mail.text, /expires in 10 minutes/);
    assert.match(mail.text, /If you did not ask for this code, ignore this email/);
    const code = codeInMail(mail);
    assert.match(code, /^\d{6}$/);

    const event = await confirmContactEnrollment(services, { user, factorId: sent.factorId, code });
    assert.equal(event.method, 'email_otp');
    assert.equal(event.authenticatorId, sent.factorId);
    const factor = await findFactor(services.db, sent.factorId);
    assert.ok(factor?.confirmedAt, 'the factor is confirmed');
    assert.equal(factor.destination, 'Erin@example.com');
    assert.equal((await users.findUserById(services.db, user.id))?.email, 'Erin@example.com');
  });

  test('a step-up sends a code to the confirmed address; typed with a space it gives an email_otp event', async () => {
    const { services } = server.server;
    const user = (await users.findUserByUsername(services.db, 'erin'))!;
    const factors = await listFactors(services.db, user.id, { confirmedOnly: true });
    const factor = factors.find((candidate) => candidate.method === 'email_otp')!;
    const earlier = sink.messagesTo('Erin@example.com').length;

    const sent = await sendOneTimeCode(services, { user, factor, challengeKey: 'step-up:email-test', purpose: 'confirm a sign-in to Stepwise Bank' });
    assert.equal(sent.factorId, factor.id);
    const mail = await sink.waitForMessage('Erin@example.com', 5_000, earlier);
    assert.match(mail.text, /confirm a sign-in to Stepwise Bank/);
    const code = codeInMail(mail);

    const event = await verifyOneTimeCode(services, {
      factors, code: `${code.slice(0, 3)} ${code.slice(3)}`, scope: { challengeKey: 'step-up:email-test', userId: user.id },
    });
    assert.deepEqual(event, { method: 'email_otp', at: event.at, authenticatorId: factor.id });
    assert.ok((await findFactor(services.db, factor.id))?.lastUsedAt, 'the factor records its use');
  });

  test('the same address cannot be added twice', async () => {
    const { services } = server.server;
    const user = (await users.findUserByUsername(services.db, 'erin'))!;
    await rejectsWith(startContactEnrollment(services, { user, channel: 'email', destination: 'erin@EXAMPLE.com' }), 'ERR_FACTOR_ALREADY_ENROLLED');
  });

  test('malformed addresses and numbers are validation errors naming the field, and send nothing', async () => {
    const badEmails = ['', 'erin', 'erin@', '@example.com', 'erin@example', 'erin@@example.com', 'er in@example.com',
      'erin@example.com\r\nBcc: x@evil.test', 'a,b@example.com', 'erin@exa_mple.com', `${'a'.repeat(250)}@example.com`];
    for (const value of badEmails) {
      assert.throws(() => normalizeDestination('email', value), (error: unknown) => error instanceof ValidationError && error.field === 'email', JSON.stringify(value));
    }
    for (const value of ['07700 900123', '+0 7700 900123', '+44 7700 900123 ext 5', '+12345', '+1234567890123456', 'phone']) {
      assert.throws(() => normalizeDestination('sms', value), (error: unknown) => error instanceof ValidationError && error.field === 'phone', JSON.stringify(value));
    }
    assert.equal(normalizeDestination('sms', ' +44 (7700) 900-123 '), '+447700900123');
    assert.equal(normalizeDestination('sms', '+1.202.555.0123'), '+12025550123');

    const { services } = server.server;
    const user = await newUser(server, 'typo');
    const received = sink.messages.length;
    await rejectsWith(startContactEnrollment(services, { user, channel: 'email', destination: 'typo@example' }), 'ERR_VALIDATION', { field: 'email' });
    assert.equal(sink.messages.length, received);
    assert.deepEqual(await listFactors(services.db, user.id), []);
  });

  test('SMS is not configured here: adding a number is ERR_CHANNEL_UNAVAILABLE and leaves nothing behind', async () => {
    const { services } = server.server;
    const user = await newUser(server, 'no-sms');
    assert.equal(services.messenger.available('sms'), false);
    await rejectsWith(startContactEnrollment(services, { user, channel: 'sms', destination: '+447700900123' }), 'ERR_CHANNEL_UNAVAILABLE', { channel: 'sms' });
    assert.deepEqual(await listFactors(services.db, user.id), []);
  });
});

describe('a server with neither SMTP nor the outbox', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ overrides: { outbox: false } });
  });
  after(async () => server?.destroy());

  test('email codes are ERR_CHANNEL_UNAVAILABLE', async () => {
    const { services } = server.server;
    const user = await newUser(server, 'nomail');
    assert.equal(services.messenger.available('email'), false);
    await rejectsWith(startContactEnrollment(services, { user, channel: 'email', destination: 'nomail@example.com' }), 'ERR_CHANNEL_UNAVAILABLE', { channel: 'email' });
    await rejectsWith(
      services.messenger.sendCode({ channel: 'email', to: 'nomail@example.com', code: '123456', purpose: 'test', expiresInSeconds: 600 }),
      'ERR_CHANNEL_UNAVAILABLE',
      { channel: 'email' },
    );
    const factor = await createFactor(services.db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination: 'nomail@example.com' });
    await confirmFactor(services.db, factor.id, services.now());
    await rejectsWith(sendOneTimeCode(services, { user, factor, challengeKey: 'step-up:nomail', purpose: 'test' }), 'ERR_CHANNEL_UNAVAILABLE');
  });
});

describe('the SMTP server is down', () => {
  let server: TestServer;

  before(async () => {
    // A port nothing listens on: the connection is refused at once.
    server = await startTestServer({ overrides: { email: { smtp: { host: '127.0.0.1', port: await freePort() } }, outbox: false } });
  });
  after(async () => server?.destroy());

  test('sending is ERR_DELIVERY_FAILED, and the code that was not delivered is not valid', async () => {
    const { services } = server.server;
    const user = await newUser(server, 'downmail');
    const factor = await createFactor(services.db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination: 'downmail@example.com' });
    await confirmFactor(services.db, factor.id, services.now());

    // Watch the code on its way out, as someone tapping the failed delivery could.
    const real = services.messenger;
    let seen: string | undefined;
    const spy: Messenger = { ...real, sendCode: async (message) => { seen = message.code; return real.sendCode(message); } };
    Object.assign(services, { messenger: spy });
    try {
      await rejectsWith(sendOneTimeCode(services, { user, factor, challengeKey: 'step-up:down', purpose: 'test' }), 'ERR_DELIVERY_FAILED', { channel: 'email' });
    } finally {
      Object.assign(services, { messenger: real });
    }
    assert.ok(seen, 'a code was generated');
    assert.deepEqual(await findCodes(services.db, 'step-up:down', user.id), [], 'no code is stored');
    await rejectsWith(verifyOneTimeCode(services, { factors: [factor], code: seen, scope: { challengeKey: 'step-up:down', userId: user.id } }), 'ERR_CODE_INVALID');
  });

  test('an enrollment whose code could not be sent leaves no pending factor', async () => {
    const { services } = server.server;
    const user = await newUser(server, 'downenroll');
    await rejectsWith(startContactEnrollment(services, { user, channel: 'email', destination: 'downenroll@example.com' }), 'ERR_DELIVERY_FAILED');
    assert.deepEqual(await listFactors(services.db, user.id), []);
  });
});
