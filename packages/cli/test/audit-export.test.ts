// `stepwise audit export`: the decisions a real server made, exported with
// --type decision, are what `stepwise policy diff --events` reads, so an
// operator replays last week's traffic against a new policy straight from
// the audit log. Also the filters and `audit verify` on the same log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiKeys, createServer, epochSeconds, loadConfig, users } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, example, isolate } from './support/cli-kit.js';

describe('stepwise audit export', () => {
  let env: ReturnType<typeof isolate>;
  const decisionIds: string[] = [];

  before(async () => {
    env = isolate();
    const config = loadConfig({ file: example('stepwise.yaml'), overrides: { issuer: 'http://127.0.0.1:9999', log_level: 'silent' } });
    const server = await createServer(config);
    try {
      const { db } = server.database;
      const user = await users.createUser(db, { username: 'alice', passwordHash: null });
      const { key } = await apiKeys.createApiKey(db, { name: 'bank', returnTo: [] }, epochSeconds());
      for (const amount of [800, 5000]) {
        const answer = await server.app.inject({
          method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${key}` },
          payload: { subject: user.id, action: 'transfer.create', resource: { amount, payee: 'bob' }, context: { ip: '198.51.100.7' } },
        });
        assert.equal(answer.statusCode, 200, answer.body);
        decisionIds.push((answer.json() as { decision_id: string }).decision_id);
      }
    } finally {
      await server.close();
    }
  });
  after(() => env.restore());

  test('--type decision feeds policy diff: the new policy asks aal2 for the 800 transfer', async () => {
    const exported = capture();
    assert.equal(await main(['audit', 'export', '--type', 'decision'], exported), 0, exported.errors.join('\n'));
    assert.equal(exported.lines.length, 2);
    const file = env.file('events.ndjson', `${exported.lines.join('\n')}\n`);
    const diff = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml'), '--events', file], diff), 0, diff.errors.join('\n'));
    // No token was sent: both were step-ups; the new policy raises the first one's requirement.
    assert.match(diff.text(), new RegExp(`^${decisionIds[0]} .*transfer\\.create: step_up → step_up$`, 'm'));
    assert.match(diff.text(), /new: step_up aal2 max_age=300 {2}\(rules: large-transfer\)/);
    assert.match(diff.text(), /1 of 2 decisions would change/);
    assert.doesNotMatch(diff.text(), /note:/, 'the recorded answers are what the old policy gives');
  });

  test('other events are stored records, with their chain fields; the filters apply', async () => {
    const all = capture();
    assert.equal(await main(['audit', 'export'], all), 0);
    const records = all.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const asked = records.filter((record) => record.type === 'step_up_asked');
    assert.equal(asked.length, 2);
    assert.match(String(asked[0]!.hash), /^[0-9a-f]{64}$/);
    assert.deepEqual(asked[1]!.rules, ['large-transfer']);
    const none = capture();
    assert.equal(await main(['audit', 'export', '--since', '2999-01-01'], none), 0);
    assert.deepEqual(none.lines, []);
    const recent = capture();
    assert.equal(await main(['audit', 'export', '--since', '1h', '--type', 'decision,step_up_asked'], recent), 0);
    assert.equal(recent.lines.length, 4);
    const bad = capture();
    assert.equal(await main(['audit', 'export', '--type', 'nope'], bad), 2);
    assert.match(bad.errors.join('\n'), /--type must be event types/);
  });

  test('audit verify prints the count and the head', async () => {
    const output = capture();
    assert.equal(await main(['audit', 'verify'], output), 0);
    assert.match(output.text(), /^ok: 4 events, head [0-9a-f]{64}$/);
  });
});
