// An SMS webhook receiver as an operator would write one: it checks the
// Stepwise-Signature with the published verifier before trusting the body,
// and records what it accepted and what it refused. It can be told to fail
// (HTTP 500) or to hang, to test how Stepwise handles a broken gateway.
import { createServer, type ServerResponse } from 'node:http';
import { SMS_SIGNATURE_HEADER, verifySmsWebhookSignature, type SmsWebhookPayload } from '../../src/delivery/sms-webhook.js';
import { freePort } from './free-port.js';

/** How the receiver answers. */
export type ReceiverMode = 'accept' | 'fail' | 'hang';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly body: string;
  readonly signature: string | undefined;
  readonly contentType: string | undefined;
}

/** A running receiver. */
export interface SmsReceiver {
  readonly url: string;
  /** Payloads whose signature verified, oldest first. */
  readonly accepted: SmsWebhookPayload[];
  /** Requests refused with 401 for a bad or missing signature. */
  readonly rejected: ReceivedRequest[];
  /** Every request, whatever the answer. */
  readonly requests: ReceivedRequest[];
  /** Sets how the next requests are answered. */
  setMode(mode: ReceiverMode): void;
  stop(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 and a free port that verifies signatures
 * with `secret`. Hanging requests are released when it stops.
 *
 * @param secret - the webhook secret it shares with the server
 */
export async function startSmsReceiver(secret: string): Promise<SmsReceiver> {
  const accepted: SmsWebhookPayload[] = [];
  const rejected: ReceivedRequest[] = [];
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let mode: ReceiverMode = 'accept';

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signatureHeader = request.headers[SMS_SIGNATURE_HEADER.toLowerCase()];
      const received: ReceivedRequest = {
        body: Buffer.concat(chunks).toString('utf8'),
        signature: Array.isArray(signatureHeader) ? signatureHeader.join(',') : signatureHeader,
        contentType: request.headers['content-type'],
      };
      requests.push(received);
      if (mode === 'hang') {
        hanging.add(response);
        return;
      }
      if (mode === 'fail') {
        response.writeHead(500).end('gateway down');
        return;
      }
      if (!verifySmsWebhookSignature(secret, received.signature, received.body, Math.floor(Date.now() / 1000))) {
        rejected.push(received);
        response.writeHead(401).end();
        return;
      }
      accepted.push(JSON.parse(received.body) as SmsWebhookPayload);
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"queued":true}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${port}/sms`,
    accepted,
    rejected,
    requests,
    setMode(next) {
      mode = next;
    },
    stop() {
      for (const response of hanging) response.destroy();
      hanging.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
