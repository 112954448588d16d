import { decide, evaluatePolicy, riskBindings, type CompiledPolicy, type RiskAssessment } from '@stepwise/core';
import { createRiskEngine, matchedRules, openDatabase, reasonText, requirementText, users, type RiskContext, type StepwiseConfig } from '@stepwise/server';
import { pino } from 'pino';
import type { Output } from '../output.js';
import { located, readYamlFile } from './input-file.js';
import { readScenario, type ScenarioAction, type ScenarioSignIn } from './scenario.js';

function riskText(risk: RiskAssessment): string {
  const codes = risk.signals.map((signal) => signal.code);
  return `risk ${risk.score} ${risk.level}${codes.length === 0 ? '' : ` [${codes.join(', ')}]`}`;
}

function when(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function contextOf(userId: string, event: ScenarioSignIn | ScenarioAction): RiskContext {
  return { userId, ip: event.ip, deviceId: event.device, userAgent: event.userAgent, time: event.time };
}

/**
 * `stepwise simulate scenario.yaml`: replays a user's timeline through the
 * risk engine and the policy in a throwaway in-memory database. Sign-ins
 * are assessed, then learnt (`recordSignIn`); each action is decided and
 * printed with its requirement, matched rules, risk and every reason. The
 * clock is the scenario's: nothing reads the real time.
 *
 * @param config - the configuration (risk settings and levels)
 * @param policy - the policy to decide with
 * @param file - the scenario file
 * @param output - where to print
 * @returns how many actions got each decision
 * @throws {@link InputFileError} (exit 2) for a malformed scenario
 * @example
 * ```ts
 * await simulate(config, config.policy, 'scenario.yaml', output);
 * ```
 */
export async function simulate(config: StepwiseConfig, policy: CompiledPolicy, file: string, output: Output): Promise<Record<string, number>> {
  const content = readYamlFile(file);
  const scenario = located(content, readScenario);
  const database = await openDatabase('sqlite::memory:');
  const counts: Record<string, number> = { allow: 0, step_up: 0, deny: 0 };
  try {
    const user = await users.createUser(database.db, { username: scenario.user, passwordHash: null });
    const engine = await createRiskEngine(config, database.db, pino({ level: 'silent' }));
    for (const event of scenario.events) {
      const context = contextOf(user.id, event);
      const risk = await engine.assess(context);
      const facts = { ip: event.ip ?? '', device_id: event.device ?? '', user_agent: event.userAgent ?? '', time: event.time };
      if (event.kind === 'sign_in') {
        const outcome = evaluatePolicy(policy, {
          action: 'login', resource: {}, subject: { id: user.id, username: user.username }, context: facts, risk: riskBindings(risk), session: {},
        });
        const needs = outcome.deny ? 'denied' : `needs ${requirementText(outcome.requirement)}`;
        output.out(`${when(event.time)}  sign-in  ${[event.ip, event.device, event.method].filter(Boolean).join(' ')}  ${needs}  ${riskText(risk)}`);
        for (const signal of risk.signals) output.out(`    - ${reasonText({ kind: 'risk', ...signal })}`);
        if (!outcome.deny) await engine.recordSignIn({ ...context, succeeded: true });
        continue;
      }
      const session = event.proof ? { acr: event.proof.acr, amr: event.proof.amr, auth_time: event.proof.authTime } : {};
      const verdict = decide(
        evaluatePolicy(policy, {
          action: event.action, resource: event.resource, subject: { id: user.id, username: user.username },
          context: { ...facts, ...event.context }, risk: riskBindings(risk), session,
        }),
        risk, event.proof, policy.levels, event.time,
      );
      counts[verdict.decision] = (counts[verdict.decision] ?? 0) + 1;
      const rules = matchedRules(verdict);
      const requirement = verdict.decision === 'deny' ? '-' : requirementText(verdict.requirement);
      output.out(`${when(event.time)}  ${event.action}  ${verdict.decision}  ${requirement}  rules: ${rules.length === 0 ? '-' : rules.join(', ')}  ${riskText(risk)}`);
      for (const reason of verdict.reasons) output.out(`    - ${reasonText(reason)}`);
    }
  } finally {
    await database.close();
  }
  output.out(`${counts.allow} allowed, ${counts.step_up} stepped up, ${counts.deny} denied`);
  return counts;
}
