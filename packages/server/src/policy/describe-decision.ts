import type { DecisionReason, DecisionVerdict, Requirement } from '@stepwise/core';

/**
 * A requirement in one short line: `aal2 max_age=300 methods=phishing_resistant`.
 *
 * @param requirement - the requirement
 * @example
 * ```ts
 * requirementText({ acr: 'aal2', maxAge: 300 }) // 'aal2 max_age=300'
 * ```
 */
export function requirementText(requirement: Requirement): string {
  return [
    requirement.acr,
    ...(requirement.maxAge === undefined ? [] : [`max_age=${requirement.maxAge}`]),
    ...(requirement.methods === undefined ? [] : [`methods=${requirement.methods.join(',')}`]),
  ].join(' ');
}

function evidenceText(evidence: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(evidence);
  return entries.length === 0 ? '' : ` (${entries.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ')})`;
}

/**
 * One reason of a decision in plain words, as the CLI and the playground show it.
 *
 * @param reason - a reason from `decide`
 * @example
 * ```ts
 * reasonText({ kind: 'rule', rule: 'large-transfer', effect: 'require', requirement: { acr: 'aal2', maxAge: 300 } })
 * // 'rule large-transfer requires aal2 max_age=300'
 * ```
 */
export function reasonText(reason: DecisionReason): string {
  switch (reason.kind) {
    case 'rule':
      return reason.effect === 'deny' ? `rule ${reason.rule} denies` : `rule ${reason.rule} requires ${requirementText(reason.requirement)}`;
    case 'rule_error':
      return `rule ${reason.rule} failed to evaluate, so it denies: ${reason.message}`;
    case 'default':
      return `no rule matched: the ${reason.client === undefined ? 'policy' : `client ${reason.client}`} default ${requirementText(reason.requirement)} applies`;
    case 'methods_conflict':
      return `denied: ${reason.message}`;
    case 'risk':
      return `risk signal ${reason.code} (+${reason.weight})${evidenceText(reason.evidence)}`;
    case 'risk_signal_failed':
      return `risk signal ${reason.code} could not run: ${reason.message}`;
    case 'proof':
      return reason.met ? 'the token meets the requirement' : `the token does not meet the requirement: ${reason.message ?? reason.reason ?? ''}`;
  }
}

/**
 * The names of the rules that matched (required or denied), in policy order;
 * rules that failed to evaluate are not among them.
 *
 * @param verdict - from `decide`
 * @example
 * ```ts
 * matchedRules(decide(outcome, risk, proof, levels, now)) // ['large-transfer']
 * ```
 */
export function matchedRules(verdict: Pick<DecisionVerdict, 'reasons'>): string[] {
  return verdict.reasons.flatMap((reason) => (reason.kind === 'rule' ? [reason.rule] : []));
}

/**
 * A requirement in its wire shape, as in the configuration and the API:
 * `max_age`, not `maxAge`.
 *
 * @param requirement - the requirement
 * @example
 * ```ts
 * requirementJson({ acr: 'aal2', maxAge: 300 }) // { acr: 'aal2', max_age: 300 }
 * ```
 */
export function requirementJson({ acr, maxAge, methods }: Requirement): Record<string, unknown> {
  return { acr, ...(maxAge === undefined ? {} : { max_age: maxAge }), ...(methods === undefined ? {} : { methods }) };
}
