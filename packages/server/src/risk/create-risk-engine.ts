import type { RiskSignal } from '@stepwise/core';
import type { Logger } from 'pino';
import type { StepwiseConfig } from '../config/schema.js';
import type { Db } from '../storage/database.js';
import { loadDenyLists } from './deny-lists.js';
import { openGeoIp } from './geoip.js';
import { signInRecorder } from './record-sign-in.js';
import { riskEngineOf, type RiskContext, type RiskEngine } from './risk-engine.js';
import { failedAttemptsSignal } from './signals/failed-attempts.js';
import { impossibleTravelSignal } from './signals/impossible-travel.js';
import { newCountrySignal } from './signals/new-country.js';
import { newDeviceSignal } from './signals/new-device.js';
import { unusualHourSignal } from './signals/unusual-hour.js';
import { untrustedIpSignal } from './signals/untrusted-ip.js';

/**
 * The server's risk engine: every built-in signal, configured. Deny lists
 * and the GeoIP database are read here, once; a file that cannot be read or
 * parsed stops start-up with a ConfigError naming it.
 *
 * @param config - the configuration (its `risk` section)
 * @param db - storage for the per-user history
 * @param logger - told what was loaded
 * @throws ConfigError `risk.untrusted_ip.lists` or `risk.geoip.database`
 * @example
 * ```ts
 * const risk = await createRiskEngine(config, db, logger);
 * const assessment = await risk.assess({ userId, ip: '8.8.8.8', deviceId, time: now });
 * ```
 */
export async function createRiskEngine(config: StepwiseConfig, db: Db, logger: Logger): Promise<RiskEngine> {
  const { risk } = config;
  const denyLists = loadDenyLists(risk.denyLists);
  const geoip = await openGeoIp(risk.geoipDatabase);
  logger.debug(
    { denyLists: denyLists.map((list) => ({ name: list.name, ranges: list.size })), geoip: geoip.databaseType },
    'risk signals loaded',
  );
  const signals: RiskSignal<RiskContext>[] = [
    newDeviceSignal(db, risk.newForSeconds),
    untrustedIpSignal(denyLists),
    newCountrySignal(db, geoip, risk.newForSeconds),
    impossibleTravelSignal(db, geoip, risk.maxSpeedKmh, risk.newForSeconds),
    unusualHourSignal(db, risk.unusualHourMinHistory),
    failedAttemptsSignal(db, risk.failedAttempts),
  ];
  return riskEngineOf(risk, signals, signInRecorder(db, geoip));
}
