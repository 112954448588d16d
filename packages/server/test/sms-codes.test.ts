// What the user relies on: adding a phone number texts a code through the
// operator's webhook, and that code confirms the number; a broken or slow
// SMS gateway is reported rather than leaving the user waiting, and its code
// is never valid. What the attacker tries: posting fake or altered requests
// to the webhook (to text arbitrary messages, or replay an old one); the
// signature scheme receivers check must refuse a changed body, a wrong
// secret and a stale timestamp.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword, users } from '../src/index.js';
import { sendSmsWebhook, signSmsWebhook, verifySmsWebhookSignature } from '../src/delivery/sms-webhook.js';
import { confirmContactEnrollment, startContactEnrollment } from '../src/flows/contact-enrollment.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import { findFactor, listFactors } from '../src/storage/factors.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { rejectsWith } from './support/stepwise-errors.js';
import { startSmsReceiver, type SmsReceiver } from './support/sms-receiver.js';

const SECRET = 'sms-webhook-secret-for-tests-0123456789';
const NUMBER = '+447700900123';

describe('codes by SMS webhook', () => {
  let receiver: SmsReceiver;
  let server: TestServer;
  let user: User;

  before(async () => {
    receiver = await startSmsReceiver(SECRET);
    server = await startTestServer({ overrides: { sms: { webhook_url: receiver.url, webhook_secret: SECRET }, outbox: false } });
    user = await users.createUser(server.server.database.db, { username: 'sam', passwordHash: await hashPassword('sam password') });
  });
  after(async () => {
    await server?.destroy();
    await receiver?.stop();
  });

  test('adding a number: the webhook gets a correctly signed JSON body, and its code confirms the number', async () => {
    const { services } = server.server;
    const sent = await startContactEnrollment(services, { user, channel: 'sms', destination: '+44 7700 900-123' });
    assert.equal(sent.channel, 'sms');
    assert.equal(sent.maskedDestination, '+44 •••• ••• 123');

    assert.equal(receiver.rejected.length, 0, 'the signature verified');
    assert.equal(receiver.accepted.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.contentType, 'application/json');
    assert.match(request.signature ?? '', /^t=\d+,v1=[0-9a-f]{64}$/);
    const payload = receiver.accepted[0]!;
    assert.deepEqual(Object.keys(payload).sort(), ['code', 'expires_in', 'message_id', 'purpose', 'text', 'to']);
    assert.equal(payload.to, NUMBER);
    assert.match(payload.code, /^\d{6}$/);
    assert.equal(payload.purpose, 'confirm this phone number for your Stepwise account');
    assert.equal(payload.expires_in, 600);
    assert.match(payload.message_id, /^[0-9a-f-]{36}$/);
    assert.ok(payload.text.startsWith(payload.code), payload.text);
    assert.match(payload.text, /expires in 10 min/);

    const event = await confirmContactEnrollment(services, { user, factorId: sent.factorId, code: payload.code });
    assert.equal(event.method, 'sms_otp');
    assert.ok((await findFactor(services.db, sent.factorId))?.confirmedAt);
    assert.equal((await users.findUserById(services.db, user.id))?.phone, NUMBER);
  });

  test('a gateway answering 500 is ERR_DELIVERY_FAILED, and the code it was handed is not valid', async () => {
    const { services } = server.server;
    const factors = await listFactors(services.db, user.id, { confirmedOnly: true });
    const factor = factors.find((candidate) => candidate.method === 'sms_otp')!;
    receiver.setMode('fail');
    try {
      await rejectsWith(sendOneTimeCode(services, { user, factor, challengeKey: 'step-up:sms-500', purpose: 'test' }), 'ERR_DELIVERY_FAILED', { channel: 'sms' });
    } finally {
      receiver.setMode('accept');
    }
    const leaked = (JSON.parse(receiver.requests.at(-1)!.body) as { code: string }).code;
    await rejectsWith(
      verifyOneTimeCode(services, { factors, code: leaked, scope: { challengeKey: 'step-up:sms-500', userId: user.id } }),
      'ERR_CODE_INVALID',
    );
  });

  test('a gateway that never answers is given up on at the time limit', async () => {
    receiver.setMode('hang');
    try {
      await assert.rejects(
        sendSmsWebhook({ webhookUrl: receiver.url, webhookSecret: SECRET }, { channel: 'sms', to: NUMBER, code: '123456', purpose: 'test', expiresInSeconds: 600 }, { timeoutMs: 200 }),
        (error: unknown) => error instanceof Error && error.name === 'TimeoutError',
      );
    } finally {
      receiver.setMode('accept');
    }
  });

  test('a sender with the wrong secret is refused by the receiver', async () => {
    const rejected = receiver.rejected.length;
    await assert.rejects(
      sendSmsWebhook({ webhookUrl: receiver.url, webhookSecret: 'not-the-shared-secret-0123456789abcdef' }, { channel: 'sms', to: NUMBER, code: '123456', purpose: 'test', expiresInSeconds: 600 }),
      /HTTP 401/,
    );
    assert.equal(receiver.rejected.length, rejected + 1);
  });
});

describe('webhook signature verification', () => {
  const body = JSON.stringify({ message_id: 'm1', to: NUMBER, text: '123456 is your code', code: '123456', purpose: 'test', expires_in: 600 });
  const now = 1_700_000_000;

  test('a correctly signed, fresh request verifies', () => {
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook(SECRET, now, body), body, now), true);
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook(SECRET, now - 300, body), body, now), true, 'at the tolerance');
  });

  test('a changed body is refused', () => {
    const header = signSmsWebhook(SECRET, now, body);
    assert.equal(verifySmsWebhookSignature(SECRET, header, body.replace(NUMBER, '+447700900999'), now), false);
    assert.equal(verifySmsWebhookSignature(SECRET, header, `${body} `, now), false);
  });

  test('a wrong secret is refused', () => {
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook('another-secret-0123456789abcdefghij', now, body), body, now), false);
  });

  test('a stale or future timestamp is refused, even correctly signed', () => {
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook(SECRET, now - 301, body), body, now), false);
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook(SECRET, now + 301, body), body, now), false);
    assert.equal(verifySmsWebhookSignature(SECRET, signSmsWebhook(SECRET, now - 3600, body), body, now, 7200), true, 'a receiver may choose a wider tolerance');
  });

  test('a timestamp moved to a fresh one breaks the signature', () => {
    const old = signSmsWebhook(SECRET, now - 3600, body);
    assert.equal(verifySmsWebhookSignature(SECRET, old.replace(`t=${now - 3600}`, `t=${now}`), body, now), false);
  });

  test('missing and malformed headers are refused without throwing', () => {
    const v1 = signSmsWebhook(SECRET, now, body).split(',')[1]!;
    for (const header of [undefined, '', 't=', `t=${now}`, v1, `t=abc,${v1}`, `t=${now},t=${now},${v1}`, `t=${now},v1=`, `t=${now},v1=${'0'.repeat(64)}`, `t=${now},${v1.toUpperCase()}`]) {
      assert.equal(verifySmsWebhookSignature(SECRET, header, body, now), false, String(header));
    }
  });

  test('one valid v1 among several (secret rotation) verifies', () => {
    const header = `${signSmsWebhook(SECRET, now, body)},v1=${'a'.repeat(64)}`;
    assert.equal(verifySmsWebhookSignature(SECRET, header, body, now), true);
  });
});
