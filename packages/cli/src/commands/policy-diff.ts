import { decide, evaluatePolicy, type CompiledPolicy, type DecisionVerdict } from '@stepwise/core';
import { matchedRules, requirementText, sessionProof } from '@stepwise/server';
import type { Output } from '../output.js';
import { readRecordedDecisions, type RecordedDecision } from './recorded-decisions.js';

/** A recorded decision judged under the old and the new policy. */
export interface DecisionChange {
  readonly record: RecordedDecision;
  readonly before: DecisionVerdict;
  readonly after: DecisionVerdict;
}

function summary(verdict: DecisionVerdict): string {
  const rules = matchedRules(verdict);
  const requirement = verdict.decision === 'deny' ? '' : ` ${requirementText(verdict.requirement)}`;
  return `${verdict.decision}${requirement}  (${rules.length === 0 ? 'no rule matched' : `rules: ${rules.join(', ')}`})`;
}

// Two denials are the same answer whatever requirement each computed.
function changed(old: DecisionVerdict, next: DecisionVerdict): boolean {
  if (old.decision !== next.decision) return true;
  return old.decision !== 'deny' && requirementText(old.requirement) !== requirementText(next.requirement);
}

/**
 * Judges one recorded decision under a policy: the recorded input and risk
 * as they were (no signal runs again), the recorded session as the proof,
 * at the recorded time.
 *
 * @param policy - the policy
 * @param record - the recorded decision
 * @example
 * ```ts
 * rejudge(newPolicy, record).decision // 'deny'
 * ```
 */
export function rejudge(policy: CompiledPolicy, record: RecordedDecision): DecisionVerdict {
  const { input, risk } = record.given;
  return decide(evaluatePolicy(policy, input), risk, sessionProof(input.session), policy.levels, record.time);
}

/**
 * `stepwise policy diff old.yaml new.yaml --events events.ndjson`: prints
 * each past decision whose answer or requirement the new policy changes,
 * old → new with the rules behind each, then how many changed.
 *
 * @param before - the policy in force
 * @param after - the proposed policy
 * @param eventsFile - recorded decisions, NDJSON
 * @param output - where to print
 * @returns the changes (the command exits 0 either way)
 * @throws {@link InputFileError} (exit 2) for a bad line
 * @example
 * ```ts
 * policyDiff(readPolicyFile('old.yaml', levels), readPolicyFile('new.yaml', levels), 'events.ndjson', output);
 * ```
 */
export function policyDiff(before: CompiledPolicy, after: CompiledPolicy, eventsFile: string, output: Output): DecisionChange[] {
  const records = readRecordedDecisions(eventsFile);
  const changes: DecisionChange[] = [];
  let recordedDiffers = 0;
  for (const record of records) {
    const old = rejudge(before, record);
    const next = rejudge(after, record);
    if (record.decision !== undefined && record.decision !== old.decision) recordedDiffers++;
    if (!changed(old, next)) continue;
    changes.push({ record, before: old, after: next });
    const { input } = record.given;
    output.out(`${record.decisionId}  ${new Date(record.time * 1000).toISOString().replace('.000Z', 'Z')}  ${String(input.subject.id ?? '?')}  ${input.action}: ${old.decision} → ${next.decision}`);
    output.out(`    old: ${summary(old)}`);
    output.out(`    new: ${summary(next)}`);
  }
  const kinds = new Map<string, number>();
  for (const change of changes) {
    const kind = `${change.before.decision} → ${change.after.decision}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const detail = [...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ');
  output.out(`${changes.length} of ${records.length} decisions would change${detail ? ` (${detail})` : ''}`);
  if (recordedDiffers > 0) {
    output.out(`note: ${recordedDiffers} recorded decision(s) differ from what the old policy gives now; was another policy in force?`);
  }
  return changes;
}
