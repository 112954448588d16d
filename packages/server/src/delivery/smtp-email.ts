import nodemailer from 'nodemailer';
import type { StepwiseConfig } from '../config/schema.js';
import type { CodeMessage } from './messenger.js';

/** The SMTP settings of a server that has email configured. */
export type SmtpSettings = NonNullable<StepwiseConfig['email']['smtp']>;

/** A plain-text email, ready to send. */
export interface ComposedEmail {
  readonly subject: string;
  readonly text: string;
}

/** Sends code emails over one SMTP configuration. */
export interface SmtpEmail {
  /** Hands one code email to the SMTP server; rejects when it refuses, is unreachable or too slow. */
  send(message: CodeMessage): Promise<void>;
  /** Closes idle connections. */
  close(): void;
}

/*
 * nodemailer waits two minutes for a connection and ten for an idle socket
 * by default; the user is looking at a "we sent you a code" page meanwhile,
 * so a stuck mail server must fail the request within seconds.
 */
const TIMEOUT_MS = 10_000;

/**
 * A duration in words for a message: "10 minutes", "90 seconds".
 *
 * @param seconds - the duration
 * @example
 * ```ts
 * expiresInWords(600); // '10 minutes'
 * ```
 */
export function expiresInWords(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * The subject and body of a code email. Plain text only: no links a
 * phishing copy could imitate, and nothing a mail client has to render.
 *
 * @param message - the code, its purpose and its lifetime
 * @example
 * ```ts
 * const { subject, text } = composeCodeEmail({ channel: 'email', to, code: '123456', purpose: 'confirm a sign-in', expiresInSeconds: 600 });
 * ```
 */
export function composeCodeEmail(message: CodeMessage): ComposedEmail {
  return {
    subject: 'Your verification code',
    text: [
      'Your verification code is:',
      '',
      `    ${message.code}`,
      '',
      `Enter it to ${message.purpose}. It expires in ${expiresInWords(message.expiresInSeconds)} and works only once.`,
      'Never share this code: nobody from the service will ask you for it.',
      '',
      'If you did not ask for this code, ignore this email. Someone may know your',
      'password; if so, change it.',
      '',
    ].join('\n'),
  };
}

/**
 * A nodemailer transport for the configured SMTP server: TLS from the first
 * byte (`secure`) or STARTTLS (required with `requireTls`), login when a
 * user is set, and timeouts of 10 seconds.
 *
 * @param smtp - the SMTP settings
 * @param from - the From header
 * @example
 * ```ts
 * const email = createSmtpEmail(config.email.smtp!, config.email.from);
 * await email.send({ channel: 'email', to: 'dana@example.com', code: '123456', purpose: 'confirm a sign-in', expiresInSeconds: 600 });
 * ```
 */
export function createSmtpEmail(smtp: SmtpSettings, from: string): SmtpEmail {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    ...(smtp.user !== null ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    // Messages are our own text; nothing should ever make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(message) {
      const { subject, text } = composeCodeEmail(message);
      await transport.sendMail({ from, to: message.to, subject, text });
    },
    close() {
      transport.close();
    },
  };
}
