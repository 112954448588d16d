// Two API nodes, each with its own @stepwise/guard and its own connection
// pool, share one PostgreSQL table of used tokens (PostgresReplayStore): a
// token bound to a transaction and accepted on one node is refused on the
// other, twenty concurrent uses across both let exactly one through, and
// expired rows are deleted. The issuer is a local ES256 key served through
// the guards' `fetch` option, so no socket but PostgreSQL's is involved.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError, transactionHash, type AuthorizationDetail } from '@stepwise/core';
import { createGuard, PostgresReplayStore, requireTransaction, type StepwiseGuard } from '@stepwise/guard';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import { startTemporaryPostgres, type TemporaryPostgres } from './support/postgres.js';

const ISSUER = 'https://issuer.stepwise.test';
const AUDIENCE = 'https://api.bank.test';
const PAYMENT: AuthorizationDetail[] = [
  { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' },
];

/** Discovery and the JWKS of the local issuer, answered without a socket. */
function issuerFetch(jwk: object): typeof fetch {
  return async (input) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    if (path === '/.well-known/openid-configuration') {
      return Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks`, stepwise_acr_ranks: { aal1: 1, aal2: 2, aal3: 3 } });
    }
    if (path === '/jwks') return Response.json({ keys: [jwk] });
    return new Response('not found', { status: 404 });
  };
}

/** Polls until `check` holds, for the store's background cleanup. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('PostgresReplayStore shared by two API nodes', () => {
  let server: TemporaryPostgres | undefined;
  let url = '';
  let schema = '';
  let table = '';
  const pools: pg.Pool[] = [];
  let privateKey: CryptoKey;
  let nodeA: StepwiseGuard;
  let nodeB: StepwiseGuard;
  const route = requireTransaction((details: AuthorizationDetail[]) => details, { acr: 'aal2' });

  const pool = () => {
    const created = new pg.Pool({ connectionString: url, max: 10 });
    // Another test file on the same server ends idle connections on purpose (a failover drill);
    // an idle client's error must not become an uncaught exception, as in any app using pg.
    created.on('error', () => {});
    pools.push(created);
    return created;
  };
  const rows = async (where = 'true') => Number((await pools[0]!.query(`select count(*) as n from ${table} where ${where}`)).rows[0].n);
  const signBound = async (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER, aud: AUDIENCE, sub: 'usr_alice', iat: now, exp: now + 600, auth_time: now, acr: 'aal2', amr: ['pwd', 'otp'],
      jti: randomUUID(), authorization_details: PAYMENT, txn: transactionHash(PAYMENT), ...claims,
    }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }).sign(privateKey);
  };
  const use = (node: StepwiseGuard, token: string) =>
    node.verify(`Bearer ${token}`, route(PAYMENT)).then(() => 'accepted', (error: { code?: string }) => error.code ?? String(error));

  before(async () => {
    url = process.env.STEPWISE_TEST_POSTGRES_URL ?? '';
    if (!url) {
      server = await startTemporaryPostgres();
      url = server.url;
    }
    schema = `stepwise_test_${randomUUID().replaceAll('-', '')}`;
    table = `${schema}.stepwise_used_tokens`;
    const admin = pool();
    await admin.query(`create schema ${schema}`);
    await new PostgresReplayStore(admin, { table }).ensureTable();

    const keys = await generateKeyPair('ES256');
    privateKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    // Each node has its own pool and its own store object: all they share is the table.
    nodeA = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: issuerFetch(jwk), replayStore: new PostgresReplayStore(pool(), { table }) });
    nodeB = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: issuerFetch(jwk), replayStore: new PostgresReplayStore(pool(), { table }) });
  });
  after(async () => {
    await pools[0]?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await Promise.all(pools.map((each) => each.end()));
    await server?.stop();
  });

  test('firstUse is true once, then false; ensureTable can run again', async () => {
    const store = new PostgresReplayStore(pools[0]!, { table });
    await store.ensureTable();
    assert.equal(await store.firstUse('jti-direct', Date.now() / 1000 + 60.5), true);
    assert.equal(await store.firstUse('jti-direct', Date.now() / 1000 + 60.5), false);
  });

  test('a table name that is not a plain identifier is refused before any SQL runs', () => {
    for (const bad of ['used; drop table users', 'Used', 'a.b.c', '"quoted"', '', 'x'.repeat(49)]) {
      assert.throws(() => new PostgresReplayStore(pools[0]!, { table: bad }), ConfigError, bad);
    }
  });

  test('a bound token accepted on node A is refused on node B as replayed', async () => {
    const token = await signBound();
    assert.equal(await use(nodeA, token), 'accepted');
    assert.equal(await use(nodeB, token), 'ERR_TXN_REPLAYED');
    assert.equal(await use(nodeA, token), 'ERR_TXN_REPLAYED');
  });

  test('a token refused on node A for another reason is still usable once on node B', async () => {
    const token = await signBound({ acr: 'aal1' });
    assert.equal(await use(nodeA, token), 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    const fine = await signBound();
    const other = [{ ...PAYMENT[0]!, creditorName: 'Mallory' }];
    assert.equal(await nodeA.verify(`Bearer ${fine}`, route(other)).catch((error: { code: string }) => error.code), 'ERR_TXN_MISMATCH');
    assert.equal(await use(nodeB, fine), 'accepted');
  });

  test('twenty concurrent uses across both nodes: exactly one is accepted', async () => {
    const token = await signBound();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => use(i % 2 === 0 ? nodeA : nodeB, token)));
    assert.equal(outcomes.filter((outcome) => outcome === 'accepted').length, 1, outcomes.join(', '));
    assert.equal(outcomes.filter((outcome) => outcome === 'ERR_TXN_REPLAYED').length, 19);
  });

  test('expired rows are deleted now and then, live ones kept', async () => {
    let now = 2_000_000_000;
    const store = new PostgresReplayStore(pools[0]!, { table, cleanupIntervalSeconds: 60, now: () => now });
    await store.firstUse('jti-expiring-1', now + 10);
    await store.firstUse('jti-expiring-2', now + 30);
    await store.firstUse('jti-live', now + 3_600);
    assert.equal(await rows(`jti like 'jti-expiring-%'`), 2, 'no cleanup before the interval');
    now += 61;
    await store.firstUse('jti-trigger', now + 600);
    assert.ok(await eventually(async () => (await rows(`jti like 'jti-expiring-%'`)) === 0), 'expired rows deleted in the background');
    assert.equal(await rows(`jti in ('jti-live', 'jti-trigger')`), 2);
    assert.equal(await store.firstUse('jti-live', now + 3_600), false, 'a live row still refuses its token');
    now += 4_000;
    assert.ok((await store.deleteExpired()) >= 2);
    assert.equal(await rows(`jti in ('jti-live', 'jti-trigger')`), 0);
  });
});
