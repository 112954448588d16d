// `stepwise policy test`: the documented cases pass against the documented
// policy; a case whose expectation is wrong fails with exit 1 and says what
// differs; a malformed cases or policy file stops with exit 2 naming the
// case, the field and the line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/index.js';
import { capture, example, isolate } from './support/cli-kit.js';

describe('stepwise policy test', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  test('the example cases pass against the example policy', async () => {
    const output = capture();
    assert.equal(await main(['policy', 'test', example('cases.yaml'), '--policy', example('stepwise.yaml')], output), 0, output.errors.join('\n'));
    assert.equal(output.lines.filter((line) => line.startsWith('ok    ')).length, 6);
    assert.match(output.text(), /^ok {4}a blocked network is denied whatever the token$/m);
    assert.equal(output.lines.at(-1), '6 passed, 0 failed');
  });

  test('without --policy the configuration\'s policy is tested', async () => {
    const output = capture();
    assert.equal(await main(['policy', 'test', example('cases.yaml'), '--config', example('stepwise.yaml')], output), 0);
    const defaults = capture();
    // The default policy (aal1 for everything) has no rules: the large transfer no longer steps up.
    assert.equal(await main(['policy', 'test', example('cases.yaml')], defaults), 1);
    assert.match(defaults.text(), /^FAIL {2}a large transfer needs a fresh second factor$/m);
  });

  test('a wrong expectation fails with exit 1 and a diff of expected and actual', async () => {
    const cases = env.file('wrong.yaml', `cases:
  - name: small transfer
    input: { action: transfer.create, resource: { amount: 10 }, subject: { id: alice } }
    token: { acr: aal1, amr: [pwd], auth_time_ago: 60 }
    expect: { decision: allow }
  - name: large transfer wrongly expected to pass
    input: { action: transfer.create, resource: { amount: 5000 }, subject: { id: alice }, risk: { level: low } }
    token: { acr: aal1, amr: [pwd], auth_time_ago: 60 }
    expect: { decision: allow, acr: aal1, max_age: 600, rules: [] }
`);
    const output = capture();
    assert.equal(await main(['policy', 'test', cases, '--policy', example('stepwise.yaml')], output), 1);
    assert.deepEqual(output.lines.slice(0, 6), [
      'ok    small transfer',
      'FAIL  large transfer wrongly expected to pass',
      '        decision  expected allow, got step_up',
      '        acr       expected aal1, got aal2',
      '        max_age   expected 600, got 300',
      '        rules     expected [], got [large-transfer]',
    ]);
    assert.match(output.text(), /got step_up aal2 max_age=300 because:\n {10}- rule large-transfer requires aal2 max_age=300\n {10}- the token does not meet the requirement: the token shows aal1; aal2 is required/);
    assert.equal(output.lines.at(-1), '1 passed, 1 failed');
  });

  test('methods are compared in any order, and a missing token is no proof', async () => {
    const cases = env.file('methods.yaml', `cases:
  - name: email change without a token
    input: { action: account.email.change, subject: { id: alice } }
    expect: { decision: step_up, methods: [phishing_resistant], rules: [account-changes] }
  - name: email change with a passkey
    input: { action: account.email.change, subject: { id: alice } }
    token: { acr: aal2, amr: [hwk, user], auth_time_ago: 10 }
    expect: { decision: allow }
`);
    const output = capture();
    assert.equal(await main(['policy', 'test', cases, '--policy', example('stepwise.yaml')], output), 0, output.text());
  });

  test('a malformed case: exit 2, naming the case, the field and the line', async () => {
    const cases = env.file('bad.yaml', `cases:
  - name: fine
    input: { action: login }
    expect: { decision: step_up }
  - name: typo in the decision
    input: { action: login }
    expect:
      decision: stepup
`);
    const output = capture();
    assert.equal(await main(['policy', 'test', cases, '--policy', example('stepwise.yaml')], output), 2);
    assert.deepEqual(output.lines, [], 'no case runs');
    assert.match(output.errors.join('\n'), /bad\.yaml:8: cases\[1\]\.expect\.decision \(case "typo in the decision"\): must be one of allow, step_up, deny \(ERR_VALIDATION\)/);
  });

  test('a missing action, a bad risk level, a YAML syntax error: exit 2 each', async () => {
    const noAction = env.file('no-action.yaml', 'cases:\n  - name: nothing\n    input: { resource: {} }\n    expect: { decision: allow }\n');
    const badRisk = env.file('bad-risk.yaml', 'cases:\n  - name: risky\n    input: { action: login, risk: { level: severe } }\n    expect: { decision: deny }\n');
    const syntax = env.file('syntax.yaml', 'cases:\n  - name: [unclosed\n');
    for (const [file, pattern] of [
      [noAction, /no-action\.yaml:3: cases\[0\]\.input\.action \(case "nothing"\): must be a non-empty string/],
      [badRisk, /bad-risk\.yaml:3: cases\[0\]\.input\.risk\.level \(case "risky"\): must be one of low, medium, high/],
      [syntax, /syntax\.yaml:\d+: \(syntax\)/],
    ] as const) {
      const output = capture();
      assert.equal(await main(['policy', 'test', file, '--policy', example('stepwise.yaml')], output), 2, file);
      assert.match(output.errors.join('\n'), pattern);
    }
  });

  test('a bad --policy file: exit 2 naming the rule and the line', async () => {
    const policy = env.file('bad-policy.yaml', `policy:
  rules:
    - name: broken
      when: action ==
      deny: true
`);
    const output = capture();
    assert.equal(await main(['policy', 'test', example('cases.yaml'), '--policy', policy], output), 2);
    assert.match(output.errors.join('\n'), /bad-policy\.yaml:4: policy\.rules\[0\]\.when: rule "broken"/);
  });
});
