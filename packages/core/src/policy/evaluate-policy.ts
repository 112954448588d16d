import type { Requirement } from '../requirement.js';
import { combineRequirements } from './combine-requirements.js';
import type { CompiledPolicy, PolicyInput } from './policy.js';

/** Why a policy gave what it gave: one entry per rule that shaped it. */
export type PolicyReason =
  | { readonly kind: 'rule'; readonly rule: string; readonly effect: 'require'; readonly requirement: Requirement }
  | { readonly kind: 'rule'; readonly rule: string; readonly effect: 'deny' }
  | { readonly kind: 'rule_error'; readonly rule: string; readonly effect: 'deny'; readonly message: string }
  | { readonly kind: 'default'; readonly client?: string; readonly requirement: Requirement }
  | { readonly kind: 'methods_conflict'; readonly effect: 'deny'; readonly message: string };

/** What a policy asks for one input. */
export interface PolicyOutcome {
  /** A rule denied, a condition failed to evaluate, or no method can meet the combined requirement. */
  readonly deny: boolean;
  /** The strictest requirement of the matching rules, or the default when none matched. */
  readonly requirement: Requirement;
  /** Rules matched (and failed), in policy order; the default when it applied. */
  readonly reasons: readonly PolicyReason[];
}

function bindingsOf(input: PolicyInput): Record<string, unknown> {
  return {
    action: input.action,
    resource: input.resource,
    subject: input.subject,
    context: input.context,
    risk: input.risk,
    session: input.session,
    client: input.client ?? '',
  };
}

/**
 * Evaluates every rule against the input and combines the matches: the
 * highest level, the smallest `max_age`, the intersection of methods; a
 * deny wins. A condition that fails to evaluate (a missing field, a wrong
 * type) or does not give a boolean counts as a deny and is reported, never
 * skipped. No match gives the client's default, else the policy default.
 *
 * @param policy - from `compilePolicy`
 * @param input - the facts
 * @example
 * ```ts
 * evaluatePolicy(policy, { action: 'transfer.create', resource: { amount: 5000 }, subject: { id: 'u1' }, context: {}, risk: { level: 'low', codes: [] }, session: {} });
 * // { deny: false, requirement: { acr: 'aal2', maxAge: 300 }, reasons: [{ kind: 'rule', rule: 'large-transfer', … }] }
 * ```
 */
export function evaluatePolicy(policy: CompiledPolicy, input: PolicyInput): PolicyOutcome {
  const bindings = bindingsOf(input);
  const reasons: PolicyReason[] = [];
  let requirement: Requirement | undefined;
  let deny = false;
  for (const rule of policy.rules) {
    let matched: unknown;
    try {
      matched = rule.test(bindings);
      if (typeof matched !== 'boolean') throw new Error(`the condition gave ${typeof matched}, not a boolean`);
    } catch (error) {
      deny = true;
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      reasons.push({ kind: 'rule_error', rule: rule.name, effect: 'deny', message });
      continue;
    }
    if (!matched) continue;
    if (rule.deny) {
      deny = true;
      reasons.push({ kind: 'rule', rule: rule.name, effect: 'deny' });
    } else {
      requirement = requirement ? combineRequirements(requirement, rule.require!, policy.levels) : rule.require!;
      reasons.push({ kind: 'rule', rule: rule.name, effect: 'require', requirement: rule.require! });
    }
  }
  if (!requirement) {
    const clientDefault = input.client === undefined ? undefined : policy.definition.clients?.[input.client];
    requirement = clientDefault ?? policy.definition.default;
    // A deny needs no default to explain it.
    if (!deny) reasons.push({ kind: 'default', ...(clientDefault ? { client: input.client! } : {}), requirement });
  }
  if (requirement.methods !== undefined && requirement.methods.length === 0) {
    deny = true;
    reasons.push({ kind: 'methods_conflict', effect: 'deny', message: 'the matching rules allow no method in common' });
  }
  return { deny, requirement, reasons };
}
