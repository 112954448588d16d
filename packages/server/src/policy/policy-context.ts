import type { RiskContext } from '../risk/risk-engine.js';

/**
 * What policies see as `context` for a request whose risk was assessed
 * from `facts`: `ip`, `user_agent`, `device_id`, `time` (epoch seconds) and
 * `hour` (UTC), after any further fields the caller sent.
 *
 * @param facts - the risk context of the request
 * @param extra - fields the app sent beside the known ones
 * @example
 * ```ts
 * policyContext({ userId, ip: '203.0.113.7', time: 1764597720 }) // { ip: '203.0.113.7', time: 1764597720, hour: 14 }
 * ```
 */
export function policyContext(facts: RiskContext, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    ...extra,
    ...(facts.ip === undefined ? {} : { ip: facts.ip }),
    ...(facts.userAgent === undefined ? {} : { user_agent: facts.userAgent }),
    ...(facts.deviceId === undefined ? {} : { device_id: facts.deviceId }),
    time: facts.time,
    hour: new Date(facts.time * 1000).getUTCHours(),
  };
}
