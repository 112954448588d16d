import { SimpleError } from '@stepwise/core';
import type { Logger } from 'pino';
import type { StepwiseConfig } from '../config/schema.js';
import { epochSeconds, type Db } from '../storage/database.js';
import { addOutboxMessage } from '../storage/outbox.js';
import { composeCodeSms, sendSmsWebhook } from './sms-webhook.js';
import { composeCodeEmail, createSmtpEmail, expiresInWords, type SmtpEmail } from './smtp-email.js';

/** How a one-time code reaches the user. */
export type Channel = 'email' | 'sms';

/** One code to deliver. */
export interface CodeMessage {
  readonly channel: Channel;
  /** Email address, or E.164 phone number. */
  readonly to: string;
  readonly code: string;
  /** plain words: "confirm a sign-in to Stepwise Bank" */
  readonly purpose: string;
  readonly expiresInSeconds: number;
}

/** Delivers one-time codes by email and SMS; flows use it through `services.messenger`. */
export interface Messenger {
  /** Whether codes can be sent this way: the channel is configured, or the development outbox is on. */
  available(channel: Channel): boolean;
  /**
   * Delivers one code.
   *
   * @throws SimpleError `ERR_CHANNEL_UNAVAILABLE` (details `{ channel }`) when the channel is not available
   * @throws SimpleError `ERR_DELIVERY_FAILED` (details `{ channel }`) when the SMTP server or the webhook fails or is too slow
   */
  sendCode(message: CodeMessage): Promise<void>;
  /** Releases connections (SMTP). */
  close(): Promise<void>;
}

type Deliver = (message: CodeMessage) => Promise<void>;

/*
 * The outbox message holds exactly what the real channel would carry, so a
 * developer reads the same words the user will.
 */
function outboxCopy(message: CodeMessage): { subject: string; body: string } {
  if (message.channel === 'email') {
    const { subject, text } = composeCodeEmail(message);
    return { subject, body: text };
  }
  return { subject: 'Text message', body: composeCodeSms(message) };
}

/**
 * The messenger for a configuration: SMTP when `email.smtp` is set, the
 * signed webhook when `sms` is, and with `outbox` every message also stored
 * for `/dev/outbox` and written to the log (alone, it delivers what no real
 * channel is configured for).
 *
 * @param config - validated configuration
 * @param db - database (for the outbox)
 * @param logger - where delivery failures, and outbox codes, are logged
 * @example
 * ```ts
 * const messenger = createMessenger(config, db, logger);
 * if (messenger.available('email')) {
 *   await messenger.sendCode({ channel: 'email', to: 'dana@example.com', code: '123456', purpose: 'confirm a sign-in', expiresInSeconds: 600 });
 * }
 * ```
 */
export function createMessenger(config: StepwiseConfig, db: Db, logger: Logger): Messenger {
  const smtp: SmtpEmail | undefined = config.email.smtp ? createSmtpEmail(config.email.smtp, config.email.from) : undefined;
  const sms = config.sms;
  const channels: Partial<Record<Channel, Deliver>> = {
    ...(smtp ? { email: (message: CodeMessage) => smtp.send(message) } : {}),
    ...(sms ? { sms: (message: CodeMessage) => sendSmsWebhook(sms, message) } : {}),
  };

  async function toOutbox(message: CodeMessage): Promise<void> {
    const { subject, body } = outboxCopy(message);
    await addOutboxMessage(db, { channel: message.channel, destination: message.to, subject, body }, epochSeconds());
    // On purpose in the message text: LOG_REDACT hides `code` fields, and
    // the point of the development outbox is to read the code in the log.
    logger.info(
      { channel: message.channel },
      `development outbox: ${message.channel} to ${message.to}: code ${message.code} (to ${message.purpose}; expires in ${expiresInWords(message.expiresInSeconds)})`,
    );
  }

  return {
    available(channel) {
      return config.outbox || channels[channel] !== undefined;
    },

    async sendCode(message) {
      const { channel } = message;
      const deliver = channels[channel];
      if (!deliver && !config.outbox) throw new SimpleError('ERR_CHANNEL_UNAVAILABLE', undefined, { channel });
      try {
        if (deliver) await deliver(message);
      } catch (error) {
        // The cause may name hosts, accounts or server replies: for the operator only.
        logger.error({ err: error, channel }, `a one-time code could not be sent by ${channel}`);
        throw new SimpleError('ERR_DELIVERY_FAILED', undefined, { channel });
      }
      if (!config.outbox) return;
      try {
        await toOutbox(message);
      } catch (error) {
        // Once the real channel has delivered, a missing outbox copy must not void the code the user holds.
        logger.error({ err: error, channel }, 'a one-time code could not be stored in the development outbox');
        if (!deliver) throw new SimpleError('ERR_DELIVERY_FAILED', undefined, { channel });
      }
    },

    async close() {
      smtp?.close();
    },
  };
}
