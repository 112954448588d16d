import { assessRisk, type RiskAssessment, type RiskScoring, type RiskSignal } from '@stepwise/core';
import type { RiskConfig } from '../config/policy-schema.js';
import type { Db } from '../storage/database.js';

/** What the risk signals look at for one request. */
export interface RiskContext {
  /** The user (`sub`). */
  readonly userId: string;
  /** Their normalized username, when the caller has it (saves a lookup). */
  readonly username?: string | undefined;
  /** The client's IP address, if known. */
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  /** A device identifier: Stepwise's signed device cookie, or the calling app's own id. */
  readonly deviceId?: string | undefined;
  /** When, in seconds since the epoch. */
  readonly time: number;
}

/** A completed sign-in, as the history-based signals learn from it. */
export interface SignInRecord extends RiskContext {
  /** The sign-in succeeded (failures feed `failed_attempts` through the attempt counters). */
  readonly succeeded: true;
}

/** Scores requests and learns each user's history. */
export interface RiskEngine {
  /** The registered signals, in evaluation order. */
  readonly signals: readonly RiskSignal<RiskContext>[];
  /** Runs every signal and scores the findings. */
  assess(context: RiskContext): Promise<RiskAssessment>;
  /**
   * Adds a sign-in to the user's history (devices, places, hours), in
   * `trx` when given (the sign-in's own transaction), else on its own.
   */
  recordSignIn(record: SignInRecord, trx?: Db): Promise<void>;
}

/**
 * A risk engine over a list of signals, scored with the configured weights
 * and thresholds.
 *
 * @param config - weights and thresholds
 * @param signals - the signals, in evaluation order
 * @param recordSignIn - stores a sign-in for the history-based signals
 * @example
 * ```ts
 * const engine = riskEngineOf(config.risk, [newDevice, untrustedIp], async () => {});
 * const risk = await engine.assess({ userId, ip: '203.0.113.9', time: now });
 * ```
 */
export function riskEngineOf(
  config: RiskConfig,
  signals: readonly RiskSignal<RiskContext>[],
  recordSignIn: (record: SignInRecord, trx?: Db) => Promise<void>,
): RiskEngine {
  const scoring: RiskScoring = { weights: config.weights, thresholds: config.thresholds };
  return {
    signals,
    assess: (context) => assessRisk(signals, context, scoring),
    recordSignIn,
  };
}
