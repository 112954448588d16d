// Policy semantics: every matching rule counts and they combine into the
// strictest requirement; a deny wins; a rule that cannot be evaluated denies
// and is reported; no match gives the (client's) default.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  combineRequirements, compilePolicy, evaluatePolicy, LevelSet, PolicyError, riskBindings, scoreRisk,
  type PolicyInput, type PolicyRuleDefinition,
} from '../src/index.js';

const levels = new LevelSet();

function policyOf(rules: PolicyRuleDefinition[], clients?: Record<string, { acr: string }>) {
  return compilePolicy({ default: { acr: 'aal1' }, rules, ...(clients ? { clients } : {}) }, levels);
}

function input(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return { action: 'transfer.create', resource: { amount: 5000 }, subject: { id: 'u1' }, context: {}, risk: riskBindings(scoreRisk([])), session: {}, ...overrides };
}

describe('combining rules', () => {
  const rules: PolicyRuleDefinition[] = [
    { name: 'big', when: 'resource.amount > 1000', require: { acr: 'aal2', maxAge: 300 } },
    { name: 'huge', when: 'resource.amount > 4000', require: { acr: 'aal3', maxAge: 600, methods: ['webauthn', 'totp'] } },
    { name: 'fresh', when: 'action == "transfer.create"', require: { acr: 'aal1', maxAge: 60, methods: ['phishing_resistant'] } },
  ];

  test('the highest level, the smallest max_age and the intersection of methods (named as the rule named it)', () => {
    const outcome = evaluatePolicy(policyOf(rules), input());
    assert.equal(outcome.deny, false);
    assert.deepEqual(outcome.requirement, { acr: 'aal3', maxAge: 60, methods: ['phishing_resistant'] });
    assert.deepEqual(outcome.reasons.map((reason) => ('rule' in reason ? reason.rule : reason.kind)), ['big', 'huge', 'fresh']);
  });

  test('order does not matter', () => {
    const outcome = evaluatePolicy(policyOf([...rules].reverse()), input());
    assert.deepEqual(outcome.requirement, { acr: 'aal3', maxAge: 60, methods: ['phishing_resistant'] });
  });

  test('only the matching rules count', () => {
    const outcome = evaluatePolicy(policyOf(rules), input({ resource: { amount: 2000 } }));
    assert.deepEqual(outcome.requirement, { acr: 'aal2', maxAge: 60, methods: ['phishing_resistant'] });
  });

  test('methods with nothing in common deny', () => {
    const outcome = evaluatePolicy(policyOf([
      { name: 'codes', when: 'true', require: { acr: 'aal2', methods: ['totp'] } },
      { name: 'keys', when: 'true', require: { acr: 'aal2', methods: ['phishing_resistant'] } },
    ]), input());
    assert.equal(outcome.deny, true);
    assert.ok(outcome.reasons.some((reason) => reason.kind === 'methods_conflict'));
  });

  test('combineRequirements keeps one side when the other says nothing', () => {
    assert.deepEqual(combineRequirements({ acr: 'aal1' }, { acr: 'aal2', maxAge: 0 }, levels), { acr: 'aal2', maxAge: 0 });
    assert.deepEqual(combineRequirements({ acr: 'aal3', methods: ['totp'] }, { acr: 'aal1' }, levels), { acr: 'aal3', methods: ['totp'] });
  });
});

describe('deny and defaults', () => {
  test('a matching deny wins over every requirement', () => {
    const outcome = evaluatePolicy(policyOf([
      { name: 'big', when: 'resource.amount > 1000', require: { acr: 'aal2' } },
      { name: 'blocked', when: '"untrusted_ip" in risk.codes', deny: true },
    ]), input({ risk: { score: 60, level: 'high', codes: ['untrusted_ip'] } }));
    assert.equal(outcome.deny, true);
    assert.ok(outcome.reasons.some((reason) => reason.kind === 'rule' && reason.rule === 'blocked' && reason.effect === 'deny'));
  });

  test('no match gives the default, or the client default when there is one', () => {
    const policy = policyOf([{ name: 'big', when: 'resource.amount > 1000', require: { acr: 'aal2' } }], { 'admin-app': { acr: 'aal3' } });
    assert.deepEqual(evaluatePolicy(policy, input({ resource: { amount: 5 } })).requirement, { acr: 'aal1' });
    const forClient = evaluatePolicy(policy, input({ resource: { amount: 5 }, client: 'admin-app' }));
    assert.deepEqual(forClient.requirement, { acr: 'aal3' });
    assert.deepEqual(forClient.reasons, [{ kind: 'default', client: 'admin-app', requirement: { acr: 'aal3' } }]);
  });

  test('a rule that fails to evaluate counts as a deny and is reported, not skipped', () => {
    const outcome = evaluatePolicy(policyOf([{ name: 'payee', when: 'resource.payee.country == "XX"', require: { acr: 'aal2' } }]), input());
    assert.equal(outcome.deny, true);
    const [reason] = outcome.reasons;
    assert.equal(reason?.kind, 'rule_error');
    assert.match((reason as { message: string }).message, /payee/);
  });

  test('a condition that does not give a boolean denies too', () => {
    const outcome = evaluatePolicy(policyOf([{ name: 'amount', when: 'resource.amount', require: { acr: 'aal2' } }]), input());
    assert.equal(outcome.deny, true);
    assert.equal(outcome.reasons[0]?.kind, 'rule_error');
  });

  test('has() guards an optional field', () => {
    const policy = policyOf([{ name: 'big', when: 'has(resource.amount) && resource.amount > 1000', require: { acr: 'aal2' } }]);
    assert.equal(evaluatePolicy(policy, input({ action: 'login', resource: {} })).deny, false);
  });
});

describe('compiling', () => {
  const refused = (rule: PolicyRuleDefinition, pattern: RegExp, path = 'rules[0]') => {
    assert.throws(() => policyOf([rule]), (error: unknown) => error instanceof PolicyError && error.path.startsWith(path) && pattern.test(error.message));
  };

  test('syntax errors, unknown variables and type errors are refused at load, naming the rule', () => {
    refused({ name: 'a', when: 'action ==', deny: true }, /rule "a"/, 'rules[0].when');
    refused({ name: 'b', when: 'amount > 5', deny: true }, /Unknown variable/, 'rules[0].when');
    refused({ name: 'c', when: 'action + 1 > 2', deny: true }, /overload/, 'rules[0].when');
  });

  test('unknown levels and methods, and rules with both or neither effect, are refused', () => {
    refused({ name: 'a', when: 'true', require: { acr: 'aal9' } }, /aal9/, 'rules[0].require');
    refused({ name: 'b', when: 'true', require: { acr: 'aal2', methods: ['carrier_pigeon' as never] } }, /carrier_pigeon/, 'rules[0].require');
    refused({ name: 'c', when: 'true', require: { acr: 'aal2' }, deny: true }, /exactly one/);
    refused({ name: 'd', when: 'true' }, /exactly one/);
  });

  test('two rules with one name are refused', () => {
    assert.throws(() => policyOf([{ name: 'x', when: 'true', deny: true }, { name: 'x', when: 'false', deny: true }]), /used by two rules/);
  });
});
