// Checking a pasted policy on the console's policy page: the same loader
// as the server's, every error with the place in the policy and the line
// of the pasted text. What must not happen: pasted text of any shape (a
// list, a scalar, bad YAML, a bad duration, a huge paste) throwing
// anything but a validation error, or a policy with a bad condition
// passing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LevelSet, StepwiseError } from '@stepwise/core';
import { checkPastedPolicy, MAX_POLICY_TEXT } from '../src/http/admin/settings-policy-check.js';

const levels = new LevelSet();

const WHOLE = `issuer: https://id.example
policy:
  default: { acr: aal1 }
  rules:
    - name: large-transfer
      when: action == "transfer.create" && resource.amount > 1000
      require: { acr: aal2, max_age: 5m }
    - name: blocked-network
      when: '"untrusted_ip" in risk.codes'
      deny: true
`;

function invalid(text: string) {
  const result = checkPastedPolicy(text, levels);
  assert.equal(result.valid, false, JSON.stringify(result));
  return result as Extract<typeof result, { valid: false }>;
}

describe('checking a pasted policy', () => {
  test('a whole configuration: its policy section is checked, the rest ignored', () => {
    const result = checkPastedPolicy(WHOLE, levels);
    assert.ok(result.valid);
    assert.equal(result.rules, 2);
    assert.deepEqual(result.policy.rules[0]!.require, { acr: 'aal2', maxAge: 300 });
  });

  test('the section alone, and the same as JSON', () => {
    const section = WHOLE.split('\n').slice(2).map((line) => line.slice(2)).join('\n');
    assert.equal(checkPastedPolicy(section, levels).valid, true);
    const json = JSON.stringify({ default: { acr: 'aal1' }, rules: [{ name: 'r', when: 'action == "x"', require: { acr: 'aal2' } }] }, null, 2);
    assert.equal(checkPastedPolicy(json, levels).valid, true);
  });

  test('a condition that does not compile: its rule path and its line, in either shape', () => {
    const broken = WHOLE.replace('resource.amount > 1000', 'resource.amount >');
    const whole = invalid(broken);
    assert.equal(whole.path, 'rules[0].when');
    assert.equal(whole.line, 6);
    assert.match(whole.reason, /large-transfer/);
    const section = invalid(broken.split('\n').slice(1).join('\n').replace(/^policy:\n/, '').split('\n').map((line) => line.slice(2)).join('\n'));
    assert.equal(section.path, 'rules[0].when');
    assert.equal(section.line, 4);
    const json = invalid('{\n  "rules": [\n    { "name": "r", "when": "action ==", "require": { "acr": "aal2" } }\n  ]\n}');
    assert.equal(json.path, 'rules[0].when');
    assert.equal(json.line, 3);
  });

  test('an unknown setting, an unknown level, both of require and deny: named, with lines', () => {
    const unknown = invalid('policy:\n  rules:\n    - name: r\n      when: "true"\n      requires: { acr: aal2 }\n');
    assert.equal(unknown.path, 'rules[0].requires');
    assert.match(unknown.reason, /not a known setting/);
    const level = invalid('rules:\n  - name: r\n    when: "true"\n    require: { acr: aal9 }\n');
    assert.equal(level.path, 'rules[0].require');
    assert.match(level.reason, /aal9/);
    const both = invalid('rules:\n  - name: r\n    when: "true"\n    require: { acr: aal2 }\n    deny: true\n');
    assert.equal(both.path, 'rules[0]');
    assert.equal(both.line, 2);
  });

  test('YAML syntax errors and duplicate keys name their line', () => {
    const syntax = invalid('policy:\n  rules:\n    - name: [unclosed\n');
    assert.equal(syntax.path, 'yaml');
    assert.ok(syntax.line !== undefined && syntax.line >= 3);
    const duplicate = invalid('policy:\n  default: { acr: aal1 }\n  default: { acr: aal2 }\n');
    assert.equal(duplicate.path, 'yaml');
    assert.equal(duplicate.line, 3);
  });

  test('a bad duration is an invalid policy, not a crash', () => {
    const result = invalid('rules:\n  - name: r\n    when: "true"\n    require: { acr: aal2, max_age: soon }\n');
    assert.match(result.path, /max_age/);
  });

  test('text of any other shape is refused as a policy, never thrown', () => {
    for (const text of ['- a\n- b\n', '42', '"just a string"', 'policy:\n', 'policy: 3\n', 'null', '{}']) {
      const result = checkPastedPolicy(text, levels);
      // `{}` is an empty policy: the default default, no rules.
      if (text === '{}') assert.equal(result.valid, true);
      else assert.equal(result.valid, false, text);
    }
  });

  test('empty and oversized text: ERR_VALIDATION on the field', () => {
    for (const text of ['', '   \n', 'x'.repeat(MAX_POLICY_TEXT + 1)]) {
      assert.throws(() => checkPastedPolicy(text, levels), (error: unknown) => error instanceof StepwiseError && error.code === 'ERR_VALIDATION' && error.details.field === 'policy');
    }
  });

  test('aliases are bounded: a billion-laughs paste is refused quickly', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let index = 1; index < 9; index += 1) lines.push(`${String.fromCharCode(97 + index)}: &${String.fromCharCode(97 + index)} [${Array(9).fill(`*${String.fromCharCode(96 + index)}`).join(',')}]`);
    const started = Date.now();
    const result = invalid(lines.join('\n'));
    assert.equal(result.path, 'yaml');
    assert.match(result.reason, /alias/i);
    assert.ok(Date.now() - started < 2_000);
  });
});
