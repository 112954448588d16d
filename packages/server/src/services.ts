import type { LevelSet } from '@stepwise/core';
import type { Logger } from 'pino';
import type { StepwiseConfig } from './config/schema.js';
import type { SecretBox, SecretKey } from './crypto/secret-box.js';
import type { Messenger } from './delivery/messenger.js';
import type { Db } from './storage/database.js';

/** What flows and handlers share: configuration, storage, keys, clock. */
export interface Services {
  readonly config: StepwiseConfig;
  readonly db: Db;
  readonly box: SecretBox;
  /** The secret keys behind `box`, current first; other secrets (cookie keys) derive from them. */
  readonly secretKeys: readonly SecretKey[];
  readonly levels: LevelSet;
  readonly logger: Logger;
  /** Sends one-time codes by email and SMS (and to the development outbox). */
  readonly messenger: Messenger;
  /** Current time in whole seconds since the epoch. */
  now(): number;
}

export { epochSeconds } from './storage/database.js';
