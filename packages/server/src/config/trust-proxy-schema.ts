import { isIP } from 'node:net';
import * as z from 'zod';

/**
 * Which proxies may set `X-Forwarded-For` (and `-Proto`, `-Host`): `false`
 * none (the peer's address is the client's), `true` any, a number of hops
 * in front of the server, or proxy addresses and CIDR ranges. Passed to
 * Fastify's `trustProxy`, so `request.ip` (per-IP lockout, risk, audit) is
 * the client's address only when the connection comes from a trusted proxy.
 */
export type TrustProxy = boolean | number | string[];

/** The most proxy hops that may be trusted. */
const MAX_HOPS = 100;

/** Names proxy-addr (Fastify) knows for whole ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const EXPECTATION =
  `must be false, true, a hop count from 1 to ${MAX_HOPS}, or a list of proxy addresses and CIDR ranges such as "10.0.0.0/8, 127.0.0.1"`;

/** Why one list entry is no address, range or range name, or `undefined` when it is one. */
function entryProblem(entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return `${JSON.stringify(entry)} is not an IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `${JSON.stringify(entry)} has a prefix length outside 0 to ${bits}`;
  }
  return undefined;
}

function hops(value: number): TrustProxy | string {
  return Number.isInteger(value) && value >= 1 && value <= MAX_HOPS ? value : `${EXPECTATION}, got ${value}`;
}

/** The setting as written (YAML value or `STEPWISE_TRUST_PROXY` text), or the reason it is refused. */
function readTrustProxy(value: unknown): TrustProxy | string {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return hops(value);
  let entries: unknown[];
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^\d+$/.test(text)) return hops(Number(text));
    entries = value.split(',');
  } else if (Array.isArray(value)) {
    entries = value;
  } else {
    return `${EXPECTATION}, got ${value === null ? 'nothing' : 'a mapping'}`;
  }
  const list: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') return `${EXPECTATION}; ${JSON.stringify(entry)} in the list is not text`;
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const problem = entryProblem(trimmed);
    if (problem) return `${EXPECTATION}; ${problem}`;
    list.push(trimmed);
  }
  if (list.length === 0) return `${EXPECTATION}, got an empty list`;
  return list;
}

/** `trust_proxy`: see {@link TrustProxy}. */
export const trustProxySchema = z.unknown().transform((value, ctx): TrustProxy => {
  const read = readTrustProxy(value);
  if (typeof read === 'string') {
    ctx.addIssue({ code: 'custom', message: read });
    return z.NEVER;
  }
  return read;
});

/**
 * The setting in the form Fastify's `trustProxy` takes. Fastify (5.x)
 * treats a bare number as "trust nothing", because a hop count cannot tell
 * a proxy from a client that sends its own `X-Forwarded-For`; a hop count
 * here keeps its usual meaning (the nearest N addresses are proxies), which
 * is only safe when clients cannot reach the nodes except through them.
 *
 * @param setting - `config.trustProxy`
 * @example
 * ```ts
 * Fastify({ trustProxy: fastifyTrustProxy(config.trustProxy) });
 * ```
 */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
