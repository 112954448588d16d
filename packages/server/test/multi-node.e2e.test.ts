// Two `stepwise serve` nodes on one PostgreSQL behind a round-robin proxy,
// as DESIGN.md's "Running at scale" promises: any node finishes what another
// started (an OpenID Connect step-up, a decision API challenge), attempt
// counters and lockouts span nodes, a bound token is accepted once across
// two API nodes sharing a PostgresReplayStore, and the audit log stays one
// chain with both nodes writing at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transactionHash, type AuthorizationDetail } from '@stepwise/core';
import { createGuard, PostgresReplayStore, requireTransaction, type StepwiseGuard } from '@stepwise/guard';
import pg from 'pg';
import { totpCodeAt } from '../src/index.js';
import { readAuditEvents } from '../src/storage/audit-events.js';
import { Browser, formOf, type Page } from './support/browser.js';
import { runCli } from './support/cli-process.js';
import { RelyingParty } from './support/harness.js';
import { startCluster, type Cluster, type SeededUser } from './support/multi-node.js';
import { SERVED_BY_HEADER } from './support/round-robin.js';
import { errorCodeIn, send, stepWithMargin } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';
import { answerWithCode, PAYMENT, pushAuthorization } from './support/transaction-kit.js';

const API = 'https://api.bank.test/';
const A = 0;
const B = 1;

describe('two nodes on one PostgreSQL', { timeout: 55_000 }, () => {
  let cluster: Cluster;
  let rp: RelyingParty;
  let key = '';
  let people: SeededUser[] = [];
  const pools: pg.Pool[] = [];

  before(async () => {
    cluster = await startCluster({ nodes: 2, config: { resources: [API], lockout: { account_max_failures: 3, ip_max_failures: 1000 } } });
    key = await cluster.createApiKey('bank-backend');
    people = await cluster.seedUsers(4, { prefix: 'person', withPassword: true });
    rp = await RelyingParty.discover(cluster.issuer);
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await cluster?.stop();
  });

  /** A browser on the proxy: its pages are the issuer's whichever node serves them. */
  const browser = () => new Browser(cluster.issuer);
  const pinned = async <T>(node: number, step: () => Promise<T>): Promise<T> => {
    cluster.proxy.pin(node);
    try {
      return await step();
    } finally {
      cluster.proxy.pin(undefined);
    }
  };
  const servedBy = (answer: { headers: Headers }) => Number(answer.headers.get(SERVED_BY_HEADER));
  const api = (path: string, body: unknown) => fetch(`${cluster.issuer}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  test('both nodes publish the same issuer and signing keys', async () => {
    const [a, b] = await Promise.all(cluster.nodes.map(async (node) => (await fetch(`${node.url}/jwks`)).json()));
    assert.deepEqual(a, b);
    const metadata = await Promise.all(cluster.nodes.map(async (node) => ((await (await fetch(`${node.url}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer));
    assert.deepEqual(metadata, [cluster.issuer, cluster.issuer]);
  });

  test('an OpenID Connect step-up: authorization on A, sign-in pages and TOTP on B, token on A', async () => {
    const person = people[0]!;
    const user = browser();
    const request = await rp.authorize({ acr_values: 'aal2' });
    const started = await pinned(A, () => user.request(request.url));
    assert.equal(servedBy(started), A);
    assert.ok(started.status >= 300 && started.status < 400, `authorization answered ${started.status}`);
    await started.arrayBuffer();
    const interaction = new URL(started.headers.get('location')!, request.url).href;

    const step = await stepWithMargin(8);
    const landing = await pinned(B, async () => {
      const signIn = await user.go(interaction);
      const codePage = await user.submit(signIn, { username: person.username, password: person.password }, '/password');
      return answerWithCode(user, codePage, totpForStep(person.secret, step));
    });
    const servedBeforeToken = [...cluster.proxy.served];
    const tokens = await pinned(A, () => rp.callback(landing, request));
    assert.equal(cluster.proxy.served[A], servedBeforeToken[A]! + 1, 'the token request went to A');
    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'aal2');
    assert.equal(claims.sub, person.id);
    assert.ok((claims.amr as string[]).includes('otp'));
  });

  test('a decision API challenge: decided on A, verified on B, and the receipt verifies', async () => {
    const person = people[1]!;
    const decided = await pinned(A, () => api('/v1/decisions', { subject: person.id, action: 'transfer.create' }));
    assert.equal(servedBy(decided), A);
    const decision = (await decided.json()) as { decision: string; decision_id: string; challenge: { id: string } };
    assert.equal(decision.decision, 'step_up', JSON.stringify(decision));
    const verified = await pinned(B, () => api(`/v1/challenges/${decision.challenge.id}/verify`, { method: 'totp', code: totpCodeAt(person.secret, Date.now()) }));
    assert.equal(servedBy(verified), B);
    const body = (await verified.json()) as { state: string; requirement_met: boolean; receipt: string };
    assert.equal(verified.status, 200, JSON.stringify(body));
    assert.equal(body.requirement_met, true);
    assert.equal(body.state, 'satisfied');

    const guard = createGuard({ issuer: cluster.issuer, audience: 'unused' });
    const receipt = await guard.verifyReceipt(body.receipt, { audience: 'bank-backend', action: 'transfer.create', decisionId: decision.decision_id, subject: person.id });
    assert.equal(receipt.challengeId, decision.challenge.id);
    // Each node sees the challenge satisfied: the state is in the database, not in a node.
    for (const node of [A, B]) {
      const again = await pinned(node, () => api(`/v1/challenges/${decision.challenge.id}/verify`, { method: 'totp', code: '000000' }));
      assert.equal(again.status, 409, `node ${node}`);
      assert.equal(((await again.json()) as { error: string }).error, 'ERR_CHALLENGE_SATISFIED');
    }
  });

  test('wrong passwords spread over A and B lock the account on both', async () => {
    const person = people[2]!;
    const tryPassword = async (node: number, password: string) => pinned(node, async () => {
      const user = browser();
      const form = await user.go(`${cluster.issuer}/login?return_to=/account`);
      const { action, fields } = formOf(form, '/login');
      return send(action, { browser: user, accept: 'text/html', form: { ...fields, username: person.username, password } });
    });
    for (const node of [A, B, A]) {
      const answer = await tryPassword(node, 'not the password');
      assert.equal(errorCodeIn(answer), 'ERR_INVALID_CREDENTIALS', `failure on node ${node}`);
    }
    for (const node of [B, A]) {
      const answer = await tryPassword(node, person.password);
      assert.equal(answer.status, 429, `node ${node}: ${answer.status}`);
      assert.equal(errorCodeIn(answer), 'ERR_ACCOUNT_LOCKED', `node ${node}`);
    }
  });

  test('a bound token used on one API node is refused on a second guard sharing PostgresReplayStore', async () => {
    const person = people[3]!;
    const user = browser();
    const request = await pinned(A, () => pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2', resource: API }));
    const step = await stepWithMargin(8);
    const landing = await pinned(B, async () => {
      const page: Page = await user.go(request.url);
      assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
      const codePage = await user.submit(page, { username: person.username, password: person.password }, '/password');
      return answerWithCode(user, codePage, totpForStep(person.secret, step));
    });
    const tokens = await pinned(A, () => rp.callback(landing, request));
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);

    const table = 'stepwise_used_tokens';
    const pool = () => {
      const created = new pg.Pool({ connectionString: cluster.databaseUrl, max: 4 });
      created.on('error', () => {});
      pools.push(created);
      return created;
    };
    await new PostgresReplayStore(pool(), { table }).ensureTable();
    const apiNode = (): StepwiseGuard => createGuard({ issuer: cluster.issuer, audience: API, replayStore: new PostgresReplayStore(pool(), { table }) });
    const [first, second] = [apiNode(), apiNode()];
    const route = requireTransaction((details: readonly AuthorizationDetail[]) => details, { acr: 'aal2' });
    const use = (guard: StepwiseGuard) =>
      guard.verify(`Bearer ${tokens.access_token}`, route([PAYMENT] as readonly AuthorizationDetail[])).then((auth) => auth, (error: { code?: string }) => error.code ?? String(error));
    const accepted = await use(first);
    assert.equal(typeof accepted, 'object', String(accepted));
    assert.equal((accepted as { claims: { txn?: string } }).claims.txn, transactionHash([PAYMENT]));
    assert.equal(await use(second), 'ERR_TXN_REPLAYED');
    assert.equal(await use(first), 'ERR_TXN_REPLAYED');
  });

  test('both nodes writing at once keep one audit chain, and every step-up is in it once', async () => {
    const crowd = await cluster.seedUsers(40, { prefix: 'crowd' });
    const satisfiedIds: string[] = [];
    const servedBefore = [...cluster.proxy.served];
    let next = 0;
    const worker = async () => {
      while (next < crowd.length) {
        const person = crowd[next++]!;
        const decided = (await (await api('/v1/decisions', { subject: person.id, action: 'transfer.create' })).json()) as { challenge: { id: string } };
        const verified = await api(`/v1/challenges/${decided.challenge.id}/verify`, { method: 'totp', code: totpCodeAt(person.secret, Date.now()) });
        const body = (await verified.json()) as { requirement_met?: boolean };
        assert.equal(body.requirement_met, true, JSON.stringify(body));
        satisfiedIds.push(decided.challenge.id);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (const node of [A, B]) assert.ok(cluster.proxy.served[node]! - servedBefore[node]! >= 30, `node ${node} served its share: ${cluster.proxy.served.join(', ')}`);

    const counts = new Map<string, number>();
    for await (const record of readAuditEvents(cluster.database.db)) {
      if (record.type === 'step_up_satisfied') counts.set(String(record.details?.challenge_id), (counts.get(String(record.details?.challenge_id)) ?? 0) + 1);
    }
    for (const id of satisfiedIds) assert.equal(counts.get(id), 1, `challenge ${id}`);
    const verified = await runCli(['audit', 'verify'], { ...cluster.env });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
