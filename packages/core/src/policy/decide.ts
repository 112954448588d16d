import type { LevelSet } from '../levels.js';
import type { Requirement } from '../requirement.js';
import type { RiskAssessment } from '../risk/risk.js';
import type { PolicyOutcome, PolicyReason } from './evaluate-policy.js';
import { judgeProof, type ProofJudgement, type ProvenAssurance } from './proven-assurance.js';

/** The three answers. */
export type DecisionOutcome = 'allow' | 'step_up' | 'deny';

/** One reason of a decision, in the order they were found. */
export type DecisionReason =
  | PolicyReason
  | { readonly kind: 'risk'; readonly code: string; readonly weight: number; readonly evidence: Readonly<Record<string, unknown>> }
  | { readonly kind: 'risk_signal_failed'; readonly code: string; readonly message: string }
  | { readonly kind: 'proof'; readonly met: boolean; readonly reason?: string; readonly message?: string };

/** A decision before it gets an id and a challenge. */
export interface DecisionVerdict {
  readonly decision: DecisionOutcome;
  readonly requirement: Requirement;
  readonly reasons: readonly DecisionReason[];
  readonly proof: ProofJudgement;
}

/**
 * Turns a policy outcome, the risk behind it, and what the caller's token
 * proves into allow, step-up or deny, with every reason: the rules that
 * matched (or failed), the risk signals found, and whether the proof met
 * the requirement. A deny wins; else a met requirement allows.
 *
 * @param outcome - from `evaluatePolicy`
 * @param risk - the assessment the policy saw
 * @param proof - a verified token's claims, if any
 * @param levels - the configured levels
 * @param now - seconds since the epoch
 * @example
 * ```ts
 * decide(evaluatePolicy(policy, input), risk, { acr: 'aal2', amr: ['pwd', 'otp'], authTime: now - 30 }, levels, now).decision // 'allow'
 * ```
 */
export function decide(
  outcome: PolicyOutcome,
  risk: RiskAssessment,
  proof: ProvenAssurance | undefined,
  levels: LevelSet,
  now: number,
): DecisionVerdict {
  const reasons: DecisionReason[] = [...outcome.reasons];
  for (const signal of risk.signals) reasons.push({ kind: 'risk', code: signal.code, weight: signal.weight, evidence: signal.evidence });
  for (const failure of risk.failed) reasons.push({ kind: 'risk_signal_failed', code: failure.code, message: failure.message });
  const judgement = judgeProof(proof, outcome.requirement, levels, now);
  if (outcome.deny) return { decision: 'deny', requirement: outcome.requirement, reasons, proof: judgement };
  reasons.push(judgement.met ? { kind: 'proof', met: true } : { kind: 'proof', met: false, reason: judgement.reason, message: judgement.message });
  return { decision: judgement.met ? 'allow' : 'step_up', requirement: outcome.requirement, reasons, proof: judgement };
}
