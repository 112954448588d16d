import { decide, evaluatePolicy, ValidationError, type CompiledPolicy } from '@stepwise/core';
import { matchedRules, requirementJson } from '../../policy/describe-decision.js';
import { readGivenInput, sessionProof } from '../../policy/policy-input.js';
import type { PlaygroundResult } from '../pages/playground-page.js';

/** The pasted input is bounded like every other field. */
export const MAX_PLAYGROUND_INPUT = 16 * 1024;

/**
 * Evaluates a policy input as the playground does: the given risk as-is
 * (no signal runs), the session judged as the caller's token, nothing
 * stored and no step-up started. Shared by `/playground` (development)
 * and the console's policy page (every mode).
 *
 * @param policy - the policy to evaluate (the one in force), with its levels
 * @param raw - the parsed input: `action`, `resource`, `subject`, `context`, `risk`, `session`, `client`
 * @param now - epoch seconds
 * @throws {@link ValidationError} naming the field of a malformed input
 * @example
 * ```ts
 * evaluatePlaygroundInput(services.policies.current(), { action: 'transfer.create', resource: { amount: 5000 } }, services.now());
 * ```
 */
export function evaluatePlaygroundInput(policy: CompiledPolicy, raw: unknown, now: number): PlaygroundResult {
  const { input, risk } = readGivenInput(raw, 'input');
  const verdict = decide(evaluatePolicy(policy, input), risk, sessionProof(input.session), policy.levels, now);
  return { decision: verdict.decision, requirement: verdict.requirement, rules: matchedRules(verdict), reasons: verdict.reasons };
}

/**
 * Parses pasted playground JSON, bounded.
 *
 * @param text - the text area's content
 * @throws {@link ValidationError} on `input` for empty, oversized or non-JSON text
 * @example
 * ```ts
 * parsePlaygroundText('{"action":"login"}'); // { action: 'login' }
 * ```
 */
export function parsePlaygroundText(text: string): unknown {
  if (text.trim() === '') throw new ValidationError('input', 'paste a policy input as JSON');
  if (text.length > MAX_PLAYGROUND_INPUT) throw new ValidationError('input', `must be at most ${MAX_PLAYGROUND_INPUT} characters`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError('input', `is not JSON (${(error as Error).message})`);
  }
}

/**
 * A playground result in its JSON shape (`max_age`, not `maxAge`).
 *
 * @param result - from {@link evaluatePlaygroundInput}
 * @example
 * ```ts
 * reply.send(playgroundResultJson(result)); // { decision: 'step_up', requirement: { acr: 'aal2', max_age: 300 }, … }
 * ```
 */
export function playgroundResultJson(result: PlaygroundResult): Record<string, unknown> {
  return {
    decision: result.decision,
    requirement: requirementJson(result.requirement),
    rules: result.rules,
    reasons: result.reasons.map((reason) => ('requirement' in reason ? { ...reason, requirement: requirementJson(reason.requirement) } : reason)),
  };
}

/**
 * A sample input for the text area: a large transfer on a ten-minute-old password session.
 *
 * @param now - epoch seconds
 * @example
 * ```ts
 * html`<textarea name="input">${samplePlaygroundInput(services.now())}</textarea>`;
 * ```
 */
export function samplePlaygroundInput(now: number): string {
  return JSON.stringify({
    action: 'transfer.create',
    resource: { amount: 5000, payee: 'DE89370400440532013000' },
    subject: { id: 'alice' },
    context: { ip: '198.51.100.7' },
    risk: { level: 'low', score: 0, codes: [] },
    session: { acr: 'aal1', amr: ['pwd'], auth_time: now - 600 },
  }, null, 2);
}
