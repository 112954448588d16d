// `trust_proxy` / STEPWISE_TRUST_PROXY: false by default; true, a hop
// count, or proxy addresses and CIDR ranges; anything else refused with a
// reason naming the bad entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastifyTrustProxy } from '../src/config/trust-proxy-schema.js';
import { assertConfigError, load } from './support/config-kit.js';

test('trust_proxy: default false; booleans, hop counts and lists from YAML and the environment', () => {
  assert.equal(load(undefined).trustProxy, false);
  assert.equal(load('trust_proxy: true\n').trustProxy, true);
  assert.equal(load('trust_proxy: 2\n').trustProxy, 2);
  assert.deepEqual(load('trust_proxy: [10.0.0.0/8, "::1", loopback]\n').trustProxy, ['10.0.0.0/8', '::1', 'loopback']);
  assert.deepEqual(load('trust_proxy: "10.0.0.0/8, 192.168.1.4"\n').trustProxy, ['10.0.0.0/8', '192.168.1.4']);
  assert.equal(load(undefined, { STEPWISE_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(load(undefined, { STEPWISE_TRUST_PROXY: 'TRUE' }).trustProxy, true);
  assert.equal(load(undefined, { STEPWISE_TRUST_PROXY: '1' }).trustProxy, 1);
  assert.deepEqual(load('trust_proxy: true\n', { STEPWISE_TRUST_PROXY: '10.1.2.3, fd00::/8' }).trustProxy, ['10.1.2.3', 'fd00::/8']);
});

test('trust_proxy: bad values are refused with what was wrong', () => {
  assertConfigError(() => load('trust_proxy: 10.0.0.0/33\n'), 'trust_proxy', /"10\.0\.0\.0\/33" has a prefix length outside 0 to 32/);
  assertConfigError(() => load('trust_proxy: [proxy.internal]\n'), 'trust_proxy', /"proxy\.internal" is not an IP address or CIDR range/);
  assertConfigError(() => load('trust_proxy: 0\n'), 'trust_proxy', /hop count from 1 to 100.*, got 0 /);
  assertConfigError(() => load('trust_proxy: 1.5\n'), 'trust_proxy', /got 1\.5/);
  assertConfigError(() => load('trust_proxy: []\n'), 'trust_proxy', /got an empty list/);
  assertConfigError(() => load('trust_proxy: { a: 1 }\n'), 'trust_proxy', /got a mapping/);
  assertConfigError(() => load(undefined, { STEPWISE_TRUST_PROXY: 'yes' }), 'STEPWISE_TRUST_PROXY', /"yes" is not an IP address/);
});

test('a hop count trusts the nearest hops, as Fastify does not for a bare number', () => {
  const trust = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
  assert.deepEqual([0, 1, 2].map((hop) => trust('10.0.0.1', hop)), [true, true, false]);
  assert.deepEqual(fastifyTrustProxy(['10.0.0.0/8']), ['10.0.0.0/8']);
});
