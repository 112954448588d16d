// A real SMTP server on a loopback port that accepts every message and keeps
// it, so tests see what Stepwise's nodemailer transport actually sent over
// the wire: recipient, subject and decoded plain-text body.
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port.js';

/** One received message. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  readonly to: readonly string[];
  readonly subject: string;
  /** The decoded text body. */
  readonly text: string;
  /** Every header, names lower-cased, unfolded. */
  readonly headers: ReadonlyMap<string, string>;
}

/** A running sink. */
export interface SmtpSink {
  readonly port: number;
  /** Every message received so far, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** Resolves with the first message (already received or still to come) for `to` after the `skip` first ones. */
  waitForMessage(to: string, timeoutMs?: number, skip?: number): Promise<ReceivedMail>;
  /** Messages received for `to`. */
  messagesTo(to: string): ReceivedMail[];
  stop(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Parses a single-part message, the only kind Stepwise sends. */
export function parseMail(raw: string, to: readonly string[]): ReceivedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { to, subject: headers.get('subject') ?? '', text: text.replace(/\r\n/g, '\n'), headers };
}

/**
 * Starts an SMTP server on 127.0.0.1 and a free port: no TLS, no
 * authentication required, every message accepted.
 *
 * @example
 * ```ts
 * const sink = await startSmtpSink();
 * try { … await sink.waitForMessage('dana@example.com'); } finally { await sink.stop(); }
 * ```
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((rcpt) => rcpt.address)));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const messagesTo = (to: string) => messages.filter((message) => message.to.includes(to));
  return {
    port,
    messages,
    messagesTo,
    waitForMessage(to, timeoutMs = 5_000, skip = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messagesTo(to)[skip];
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no message for ${to} within ${timeoutMs} ms (received: ${messages.map((m) => m.to.join(',')).join('; ') || 'none'})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The code in a message: its only run of 6 to 10 digits. */
export function codeInMail(mail: ReceivedMail): string {
  const code = /(?<!\d)\d{6,10}(?!\d)/.exec(mail.text)?.[0];
  if (!code) throw new Error(`no code in the message to ${mail.to.join(', ')}:\n${mail.text}`);
  return code;
}
