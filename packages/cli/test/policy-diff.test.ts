// `stepwise policy diff`: an operator about to change the policy sees which
// past decisions would come out differently (old → new, with the rules
// behind each) and how many; recorded risk and sessions are used as they
// were. A file with a bad line is refused whole, naming the line, so a
// summary never silently leaves decisions out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/index.js';
import { capture, example, isolate } from './support/cli-kit.js';

describe('stepwise policy diff', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  test('the example: two of five decisions change, each shown old → new with its rules', async () => {
    const output = capture();
    const code = await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml'), '--events', example('events.ndjson')], output);
    assert.equal(code, 0, output.errors.join('\n'));
    assert.deepEqual(output.lines, [
      'dec_02  2026-03-02T09:05:00Z  alice  transfer.create: allow → step_up',
      '    old: allow aal1  (no rule matched)',
      '    new: step_up aal2 max_age=300  (rules: large-transfer)',
      'dec_04  2026-03-02T11:00:00Z  alice  transfer.create: step_up → deny',
      '    old: step_up aal2 max_age=0  (rules: risky-context)',
      '    new: deny  (rules: risky-context, risky-transfer)',
      '2 of 5 decisions would change (1 allow → step_up, 1 step_up → deny)',
    ]);
  });

  test('the same policy on both sides changes nothing; the reverse change is the mirror image', async () => {
    const same = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise.yaml'), '--events', example('events.ndjson')], same), 0);
    assert.deepEqual(same.lines, ['0 of 5 decisions would change']);
    const reverse = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise-next.yaml'), example('stepwise.yaml'), '--events', example('events.ndjson')], reverse), 0);
    assert.match(reverse.text(), /dec_04 .*: deny → step_up/);
    assert.match(reverse.text(), /^2 of 5 decisions would change \(1 step_up → allow, 1 deny → step_up\)$/m);
    assert.match(reverse.text(), /^note: 2 recorded decision\(s\) differ from what the old policy gives now/m, 'dec_02 and dec_04 were recorded under the old policy');
  });

  test('a line that is not JSON, or lacks a field, refuses the whole file with exit 2 naming the line', async () => {
    const lines = readFileSync(example('events.ndjson'), 'utf8').trimEnd().split('\n');
    const broken = env.file('broken.ndjson', [lines[0], lines[1], '{"decision_id": "dec_x", "time": ', lines[2]].join('\n'));
    const output = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml'), '--events', broken], output), 2);
    assert.deepEqual(output.lines, [], 'nothing is compared');
    assert.match(output.errors.join('\n'), /broken\.ndjson:3: \(json\): is not JSON/);

    const noTime = JSON.parse(lines[1]!) as Record<string, unknown>;
    delete noTime.time;
    const missing = env.file('missing.ndjson', `${lines[0]}\n\n${JSON.stringify(noTime)}\n`);
    const second = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml'), '--events', missing], second), 2);
    assert.match(second.errors.join('\n'), /missing\.ndjson:3: time: must be whole seconds since the epoch/);

    const badRisk = env.file('bad-risk.ndjson', JSON.stringify({ ...JSON.parse(lines[0]!), risk: { level: 'extreme' } }));
    const third = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml'), '--events', badRisk], third), 2);
    assert.match(third.errors.join('\n'), /bad-risk\.ndjson:1: risk\.level: must be one of low, medium, high/);
  });

  test('without --events, or with one policy file, it is a usage error (exit 2)', async () => {
    const output = capture();
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), example('stepwise-next.yaml')], output), 2);
    assert.match(output.errors.join('\n'), /needs --events FILE/);
    assert.equal(await main(['policy', 'diff', example('stepwise.yaml'), '--events', example('events.ndjson')], output), 2);
  });
});
