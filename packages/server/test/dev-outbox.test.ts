// What the developer relies on: with the development outbox on (the demo's
// default), every code the server would email or text can be read at
// /dev/outbox (as a page, or as JSON for scripts) and in the log, even
// though the log redacts `code` fields, so they can try email and SMS
// step-ups without a mail server or an SMS gateway. What must not happen:
// a server with the outbox off showing anything there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { hashPassword, users } from '../src/index.js';
import { LOG_REDACT } from '../src/server.js';
import { confirmContactEnrollment, startContactEnrollment } from '../src/flows/contact-enrollment.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { errorCodeIn, send } from './support/threat-kit.js';

interface OutboxJson {
  messages: { id: string; channel: string; to: string; subject: string; body: string; code: string | null; created_at: number }[];
}

describe('the development outbox, on (demo)', () => {
  const logLines: string[] = [];
  let server: TestServer;
  let user: User;

  before(async () => {
    // Redacting like the real server does, to show the code survives it only in the message text.
    const logger = pino({ level: 'info', redact: LOG_REDACT }, { write: (line: string) => void logLines.push(line) });
    server = await startTestServer({ logger });
    user = await users.createUser(server.server.database.db, { username: 'olive', passwordHash: await hashPassword('olive password') });
  });
  after(async () => server?.destroy());

  test('both channels are available with no SMTP and no webhook configured', () => {
    const { services } = server.server;
    assert.equal(services.config.outbox, true);
    assert.equal(services.config.email.smtp, null);
    assert.equal(services.config.sms, null);
    assert.equal(services.messenger.available('email'), true);
    assert.equal(services.messenger.available('sms'), true);
  });

  test('an emailed code appears on the page, in the JSON and in the log, and it works', async () => {
    const { services } = server.server;
    const sent = await startContactEnrollment(services, { user, channel: 'email', destination: 'olive@example.com' });

    const json = await send(`${server.issuer}/dev/outbox`, { accept: 'application/json' });
    assert.equal(json.status, 200);
    assert.equal(json.headers.get('cache-control'), 'no-store');
    const latest = (JSON.parse(json.body) as OutboxJson).messages[0]!;
    assert.equal(latest.channel, 'email');
    assert.equal(latest.to, 'olive@example.com');
    assert.equal(latest.subject, 'Your verification code');
    assert.match(latest.code ?? '', /^\d{6}$/);
    const code = latest.code!;
    assert.ok(latest.body.includes(code));

    const page = await send(`${server.issuer}/dev/outbox`, { accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.body, /<h1>Development outbox<\/h1>/);
    assert.match(page.body, /for development only/i);
    assert.match(page.body, new RegExp(`data-code="${code}"`));
    assert.doesNotMatch(page.body, /<script/i);

    const logged = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((entry) => entry.msg.includes(`code ${code}`));
    assert.ok(logged, 'the code is in a log message');
    assert.equal(logged.level, 30, 'at info level');
    assert.match(logged.msg, new RegExp(`^development outbox: email to olive@example\\.com: code ${code}`));

    const event = await confirmContactEnrollment(services, { user, factorId: sent.factorId, code });
    assert.equal(event.method, 'email_otp');
  });

  test('a texted code too, listed newest first', async () => {
    const { services } = server.server;
    await startContactEnrollment(services, { user, channel: 'sms', destination: '+44 7700 900456' });
    const { messages } = JSON.parse((await send(`${server.issuer}/dev/outbox`)).body) as OutboxJson;
    assert.deepEqual(messages.slice(0, 2).map((message) => message.channel), ['sms', 'email']);
    assert.equal(messages[0]!.to, '+447700900456');
    assert.match(messages[0]!.code ?? '', /^\d{6}$/);
    assert.ok(logLines.some((line) => line.includes(`development outbox: sms to +447700900456: code ${messages[0]!.code}`)));

    const page = await send(`${server.issuer}/dev/outbox`, { accept: 'text/html' });
    assert.ok(page.body.indexOf(`data-code="${messages[0]!.code}"`) < page.body.indexOf(`data-code="${messages[1]!.code}"`), 'newest first on the page');
  });
});

describe('the development outbox, off', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ overrides: { outbox: false } });
  });
  after(async () => server?.destroy());

  test('/dev/outbox is a 404 with ERR_NOT_FOUND, as JSON and as a page', async () => {
    const json = await send(`${server.issuer}/dev/outbox`, { accept: 'application/json' });
    assert.equal(json.status, 404);
    assert.equal(errorCodeIn(json), 'ERR_NOT_FOUND');
    const page = await send(`${server.issuer}/dev/outbox`, { accept: 'text/html' });
    assert.equal(page.status, 404);
    assert.equal(errorCodeIn(page), 'ERR_NOT_FOUND');
  });
});
