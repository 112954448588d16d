// `stepwise simulate`: an operator replays a user's timeline through the
// real risk engine and the policy, and reads each decision with its
// reasons. What must hold: a new device is noticed only after the user has
// a history, a blocked network denies whatever the token, and the clock is
// the scenario's (a scenario in 2001 is judged in 2001).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/index.js';
import { capture, example, isolate } from './support/cli-kit.js';

describe('stepwise simulate', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  test('the example scenario: each action with its decision, requirement, rules, risk and reasons', async () => {
    const output = capture();
    assert.equal(await main(['simulate', example('scenario.yaml'), '--config', example('stepwise.yaml')], output), 0, output.errors.join('\n'));
    const text = output.text();
    assert.match(text, /^2026-03-02T08:55:00Z {2}sign-in {2}198\.51\.100\.7 laptop-1 password {2}needs aal1 {2}risk 0 low$/m, 'the first sign-in has no history to differ from');
    assert.match(text, /^2026-03-02T09:00:00Z {2}transfer\.create {2}allow {2}aal1 {2}rules: - {2}risk 0 low$/m);
    assert.match(text, /^2026-03-02T09:02:00Z {2}transfer\.create {2}step_up {2}aal2 max_age=300 {2}rules: large-transfer {2}risk 0 low\n {4}- rule large-transfer requires aal2 max_age=300\n {4}- the token does not meet the requirement: the token shows aal1; aal2 is required$/m);
    assert.match(text, /^2026-03-02T09:03:00Z {2}transfer\.create {2}allow {2}aal2 max_age=300 {2}rules: large-transfer/m);
    assert.match(text, /^2026-03-02T19:30:00Z {2}sign-in {2}198\.51\.100\.20 phone-7 password {2}needs aal1 {2}risk 20 low \[new_device\]\n {4}- risk signal new_device \(\+20\)/m);
    assert.match(text, /^2026-03-02T19:31:00Z {2}account\.email\.change {2}step_up {2}aal2 max_age=300 methods=phishing_resistant {2}rules: account-changes/m);
    assert.match(text, /^2026-03-03T02:00:00Z {2}transfer\.create {2}deny {2}- {2}rules: risky-context, blocked-network {2}risk 60 high \[untrusted_ip\]$/m);
    assert.match(text, /- risk signal untrusted_ip \(\+60\) \(.*ip=203\.0\.113\.9.*\)/);
    assert.equal(output.lines.at(-1), '2 allowed, 2 stepped up, 1 denied');
  });

  test('the clock is the scenario\'s: tokens and history are judged at the scenario time', async () => {
    const scenario = env.file('old.yaml', `user: bob
events:
  - at: 2001-09-10T10:00:00Z
    sign_in: { ip: 198.51.100.1, device: desk }
  - at: 2001-09-10T12:01:00+02:00
    action: transfer.create
    resource: { amount: 5000 }
    ip: 198.51.100.1
    device: desk
    token: { acr: aal2, amr: [pwd, otp], auth_time_ago: 60 }
`);
    const output = capture();
    assert.equal(await main(['simulate', scenario, '--policy', example('stepwise.yaml')], output), 0, output.errors.join('\n'));
    assert.match(output.text(), /^2001-09-10T10:01:00Z {2}transfer\.create {2}allow {2}aal2 max_age=300/m);
  });

  test('a malformed scenario: exit 2 naming the event, the field and the line; nothing is replayed', async () => {
    const scenario = env.file('bad.yaml', `user: carol
events:
  - at: 2026-03-02T10:00:00Z
    sign_in: { ip: 198.51.100.1, device: desk }
  - at: 2026-03-02T09:00:00Z
    action: login
`);
    const output = capture();
    assert.equal(await main(['simulate', scenario], output), 2);
    assert.deepEqual(output.lines, []);
    assert.match(output.errors.join('\n'), /bad\.yaml:5: events\[1\]\.at: is earlier than the event before it/);

    const noZone = env.file('no-zone.yaml', 'user: carol\nevents:\n  - at: "2026-03-02 10:00"\n    action: login\n');
    const second = capture();
    assert.equal(await main(['simulate', noZone], second), 2);
    assert.match(second.errors.join('\n'), /no-zone\.yaml:3: events\[0\]\.at: must be an ISO 8601 time with a zone/);
  });
});
