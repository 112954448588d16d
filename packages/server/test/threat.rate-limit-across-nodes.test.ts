// Threat: an attacker guessing passwords spreads his form posts over every
// node behind the load balancer, hoping each node counts only the posts it
// sees, so that two nodes let him post twice the rate. The form limit
// (FORM_RATE_LIMIT, 60 posts a minute per client IP and route) is counted in
// the database: two nodes on one PostgreSQL refuse the 61st post in total,
// whichever node gets it, also when every post is sent at once; one node on
// SQLite does the same; each route keeps its own count.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FORM_RATE_LIMIT } from '../src/http/routes/forms.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { createTestSchema, startTemporaryPostgres, type TemporaryPostgres, type TestSchema } from './support/postgres.js';

const LIMIT = FORM_RATE_LIMIT.rateLimit.max;
/** A password form post; refused for its missing CSRF token, but counted before that. */
const PASSWORD_FORM = '/interaction/no-such-uid/password';
const TOTP_FORM = '/account/totp';

async function post(server: TestServer, path: string): Promise<Response> {
  const response = await fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=alice&password=guess',
    redirect: 'manual',
  });
  await response.arrayBuffer();
  return response;
}

/** `count` posts to `path`, the i-th to `nodes[i % nodes.length]`, one after another. */
async function postInTurn(nodes: TestServer[], path: string, count: number): Promise<Response[]> {
  const answers: Response[] = [];
  for (let index = 0; index < count; index++) answers.push(await post(nodes[index % nodes.length]!, path));
  return answers;
}

function statusesOf(answers: Response[]): number[] {
  return answers.map((answer) => answer.status);
}

describe('form rate limit across two nodes on one PostgreSQL', () => {
  let postgres: TemporaryPostgres | undefined;
  let schema: TestSchema;
  let first: TestServer;
  let second: TestServer;

  before(async () => {
    let serverUrl = process.env.STEPWISE_TEST_POSTGRES_URL;
    if (!serverUrl) {
      postgres = await startTemporaryPostgres();
      serverUrl = postgres.url;
    }
    schema = await createTestSchema(serverUrl);
    first = await startTestServer({ overrides: { database_url: schema.url } });
    // The same data folder (so the same secret keys) and the same schema: another node.
    second = await startTestServer({ dataDir: first.dataDir, overrides: { database_url: schema.url } });
    assert.equal(second.server.database.dialect, 'postgres');
  });
  after(async () => {
    await second?.close();
    await first?.destroy();
    await schema?.drop();
    await postgres?.stop();
  });

  test(`posts taking turns between the nodes: ${LIMIT} go through in total, then both refuse`, async () => {
    const answers = await postInTurn([first, second], PASSWORD_FORM, LIMIT);
    assert.ok(answers.every((answer) => answer.status !== 429), statusesOf(answers).join(' '));
    assert.deepEqual(
      answers.map((answer) => Number(answer.headers.get('x-ratelimit-remaining'))),
      Array.from({ length: LIMIT }, (_, index) => LIMIT - 1 - index),
      'each node sees the posts the other counted',
    );
    for (const node of [first, second]) {
      const refused = await post(node, PASSWORD_FORM);
      assert.equal(refused.status, 429, `node ${node.issuer}`);
      const wait = Number(refused.headers.get('retry-after'));
      assert.ok(wait > 0 && wait <= 60, `retry-after ${wait}`);
    }
  });

  test(`${LIMIT + 20} posts sent at once over both nodes: exactly ${LIMIT} go through`, async () => {
    const answers = await Promise.all(Array.from({ length: LIMIT + 20 }, (_, index) => post(index % 2 === 0 ? first : second, TOTP_FORM)));
    const refused = answers.filter((answer) => answer.status === 429).length;
    assert.equal(refused, 20, statusesOf(answers).join(' '));
  });

  test('another route still has its own allowance', async () => {
    const answer = await post(second, '/account/contacts');
    assert.notEqual(answer.status, 429);
    assert.equal(Number(answer.headers.get('x-ratelimit-remaining')), LIMIT - 1);
  });
});

describe('form rate limit on one node on SQLite', () => {
  let server: TestServer;

  before(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stepwise-test-'));
    // SQLite whatever the run's database: this is the single-node case.
    server = await startTestServer({ dataDir, overrides: { database_url: `sqlite:${join(dataDir, 'stepwise.db')}` } });
    assert.equal(server.server.database.dialect, 'sqlite');
  });
  after(async () => server?.destroy());

  test(`${LIMIT} posts go through, the next is refused`, async () => {
    const answers = await postInTurn([server], PASSWORD_FORM, LIMIT + 1);
    assert.ok(answers.slice(0, LIMIT).every((answer) => answer.status !== 429), statusesOf(answers).join(' '));
    assert.equal(answers[LIMIT]!.status, 429);
  });
});
