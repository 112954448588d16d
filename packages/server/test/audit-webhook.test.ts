// Streaming the audit log to a real receiver on loopback that refuses the
// first two batches: after retries every event arrives exactly once and in
// order, signed, including across a server restart; the cursor moves only
// on 2xx. Also the retry delays: 1 s doubling to 5 minutes, jittered.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { auditHead } from '../src/storage/audit-events.js';
import { retryDelay } from '../src/audit/audit-webhook.js';
import { verifySmsWebhookSignature } from '../src/delivery/sms-webhook.js';
import { freePort, startTestServer, type TestServer } from './support/harness.js';
import { signIn } from './support/threat-kit.js';

const SECRET = 'audit-webhook-secret-0123456789abcdef';

describe('audit webhook', () => {
  let receiver: Server;
  let url = '';
  let answered = 0;
  const received: number[] = [];
  let badSignatures = 0;

  before(async () => {
    const port = await freePort();
    receiver = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      request.on('end', () => {
        answered += 1;
        if (!verifySmsWebhookSignature(SECRET, request.headers['stepwise-signature'] as string | undefined, body, Math.floor(Date.now() / 1000))) badSignatures += 1;
        if (answered <= 2) {
          response.writeHead(503).end();
          return;
        }
        for (const record of JSON.parse(body) as Array<{ seq: number }>) received.push(record.seq);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${port}/audit`;
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('every event arrives once, in order, after two refusals and across a restart', { timeout: 30_000 }, async () => {
    const overrides = { audit: { webhook: { url, secret: SECRET } } };
    let server: TestServer = await startTestServer({ overrides });
    const { dataDir } = server;
    const port = Number(new URL(server.issuer).port);
    try {
      await signIn(server);
      await until(() => answered >= 1, 5_000);
      // Stopped while it waits to retry: the next start resumes from the cursor.
      await server.close();
      server = await startTestServer({ dataDir, port, overrides });
      await signIn(server);
      await server.server.services.audit.flush();
      const head = await auditHead(server.server.database.db);
      await until(() => received.length > 0 && received[received.length - 1] === head.seq, 15_000);
      assert.ok(answered >= 3, 'the two refused batches were sent again');
      assert.deepEqual(received, Array.from({ length: head.seq }, (_, index) => index + 1));
      assert.equal(badSignatures, 0);
    } finally {
      await server.destroy();
    }
  });

  test('retry delays double from 1 s to 5 minutes, with jitter', () => {
    assert.equal(retryDelay(1, { random: () => 0.999999 }), 1_000);
    assert.equal(retryDelay(1, { random: () => 0 }), 500);
    assert.equal(retryDelay(4, { random: () => 0.999999 }), 8_000);
    assert.equal(retryDelay(20, { random: () => 0.999999 }), 300_000);
    assert.equal(retryDelay(200, { random: () => 0 }), 150_000);
  });
});
