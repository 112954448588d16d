import type { LevelSet } from '@stepwise/core';
import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.js';
import type { StepwiseConfig } from './config/schema.js';
import type { SecretBox, SecretKey } from './crypto/secret-box.js';
import type { Messenger } from './delivery/messenger.js';
import type { TokenKeys } from './keys/token-keys.js';
import type { PolicyHolder } from './policy/policy-holder.js';
import type { RiskEngine } from './risk/risk-engine.js';
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
  /** The policy in force (reloaded when the configuration file changes). */
  readonly policies: PolicyHolder;
  /** Risk signals and the history they learn from. */
  readonly risk: RiskEngine;
  /** Signs step-up receipts and verifies Stepwise's own tokens. */
  readonly tokenKeys: TokenKeys;
  /** The hash-chained audit log. */
  readonly audit: AuditLog;
  /** Current time in whole seconds since the epoch. */
  now(): number;
}

export { epochSeconds } from './storage/database.js';
