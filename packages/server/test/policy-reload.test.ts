// The policy lives in stepwise.yaml and is reloaded without a restart: a
// valid change takes effect; a bad file is refused with an error naming the
// line, and the policy in force stays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluatePolicy, riskBindings, scoreRisk } from '@stepwise/core';
import { createServer, loadConfig, type StepwiseServer } from '../src/index.js';

const input = (amount: number) => ({ action: 'transfer.create', resource: { amount }, subject: { id: 'u' }, context: {}, session: {}, risk: riskBindings(scoreRisk([])) });

function policyYaml(limit: string, field = 'resource.amount'): string {
  return [
    'log_level: silent',
    'policy:',
    '  default: { acr: aal1 }',
    '  rules:',
    '    - name: large-transfer',
    `      when: action == "transfer.create" && ${field} > ${limit}`,
    '      require: { acr: aal2, max_age: 300 }',
    '',
  ].join('\n');
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 50) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out');
}

describe('policy reload', () => {
  let dir: string;
  let file: string;
  let server: StepwiseServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-policy-'));
    file = join(dir, 'stepwise.yaml');
    writeFileSync(file, policyYaml('1000'));
    server = await createServer(loadConfig({ file, env: {}, overrides: { port: 0, data_dir: dir, database_url: 'sqlite::memory:' } }));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const requiredAcr = (amount: number) => evaluatePolicy(server.services.policies.current(), input(amount)).requirement.acr;

  test('a change to the file takes effect without a restart', async () => {
    assert.equal(requiredAcr(500), 'aal1');
    writeFileSync(file, policyYaml('100'));
    await until(() => requiredAcr(500) === 'aal2');
  });

  test('a bad condition is refused with its line; the policy in force stays', () => {
    writeFileSync(file, policyYaml('100', 'amount'));
    const error = server.services.policies.reload();
    assert.equal(error?.code, 'ERR_POLICY_INVALID');
    assert.match(error!.message, /rules\[0\]\.when/);
    assert.match(error!.message, /line 6/);
    assert.equal(requiredAcr(500), 'aal2');
  });

  test('broken YAML is refused with its line; the policy in force stays', () => {
    writeFileSync(file, 'policy:\n  rules: [\n');
    const error = server.services.policies.reload();
    assert.equal(error?.code, 'ERR_CONFIG_INVALID');
    assert.match(error!.message, /line \d/);
    assert.equal(requiredAcr(500), 'aal2');
  });

  test('a bad policy at start-up stops the server with the line', () => {
    writeFileSync(file, policyYaml('1000').replace('aal2', 'aal9'));
    assert.throws(() => loadConfig({ file, env: {} }), (error: Error) => /policy\.rules\[0\]\.require/.test(error.message) && /line 7/.test(error.message));
  });
});
