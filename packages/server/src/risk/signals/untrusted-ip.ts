import type { RiskSignal } from '@stepwise/core';
import type { DenyList } from '../deny-lists.js';
import { plainAddress } from '../ip-address.js';
import type { RiskContext } from '../risk-engine.js';

/**
 * `untrusted_ip`: the client address lies in a range of one of the
 * configured deny lists (Tor exits, Spamhaus DROP, your own). The first list
 * in configuration order that matches is reported.
 *
 * @param lists - the lists, loaded at start-up ({@link loadDenyLists})
 * @example
 * ```ts
 * const finding = untrustedIpSignal(loadDenyLists(['/etc/stepwise/tor.txt'])).evaluate({ userId, ip, time: now });
 * // { code: 'untrusted_ip', evidence: { ip: '185.220.101.7', list: 'tor.txt', range: '185.220.101.0/24' } }
 * ```
 */
export function untrustedIpSignal(lists: readonly DenyList[]): RiskSignal<RiskContext> {
  return {
    code: 'untrusted_ip',
    description: 'an address on a deny list',
    evaluate(context) {
      const ip = plainAddress(context.ip);
      if (!ip) return undefined;
      for (const list of lists) {
        const range = list.match(ip);
        if (range) return { code: 'untrusted_ip', evidence: { ip, list: list.name, range } };
      }
      return undefined;
    },
  };
}
