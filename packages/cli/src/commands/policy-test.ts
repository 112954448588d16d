import { decide, evaluatePolicy, type CompiledPolicy, type DecisionVerdict } from '@stepwise/core';
import { matchedRules, reasonText, requirementText } from '@stepwise/server';
import type { Output } from '../output.js';
import { located, readYamlFile } from './input-file.js';
import { caseLabel, readCases, type PolicyCase } from './policy-cases.js';

/** One field where a case's expectation and the decision differ. */
export interface CaseMismatch {
  readonly field: 'decision' | 'acr' | 'max_age' | 'methods' | 'rules';
  readonly expected: string;
  readonly actual: string;
}

function sortedList(values: readonly string[]): string {
  return `[${[...values].sort().join(', ')}]`;
}

/**
 * Where a decision differs from what a case expects; fields the case leaves
 * out are not compared. Lists (methods, rules) are compared in any order.
 *
 * @param testCase - the case
 * @param verdict - the decision the policy gave
 * @example
 * ```ts
 * compareCase(testCase, verdict) // [{ field: 'decision', expected: 'step_up', actual: 'allow' }]
 * ```
 */
export function compareCase(testCase: PolicyCase, verdict: DecisionVerdict): CaseMismatch[] {
  const { expect } = testCase;
  const { requirement } = verdict;
  const checks: CaseMismatch[] = [{ field: 'decision', expected: expect.decision, actual: verdict.decision }];
  if (expect.acr !== undefined) checks.push({ field: 'acr', expected: expect.acr, actual: requirement.acr });
  if (expect.maxAge !== undefined) checks.push({ field: 'max_age', expected: String(expect.maxAge), actual: requirement.maxAge === undefined ? '(none)' : String(requirement.maxAge) });
  if (expect.methods !== undefined) checks.push({ field: 'methods', expected: sortedList(expect.methods), actual: requirement.methods === undefined ? '(any)' : sortedList(requirement.methods) });
  if (expect.rules !== undefined) checks.push({ field: 'rules', expected: sortedList(expect.rules), actual: sortedList(matchedRules(verdict)) });
  return checks.filter((check) => check.expected !== check.actual);
}

/**
 * `stepwise policy test cases.yaml`: evaluates every case under the policy
 * and prints `ok` or `FAIL` per case, with what differs and the reasons.
 *
 * @param policy - the policy under test
 * @param file - the cases file
 * @param output - where to print
 * @param now - the evaluation time, seconds
 * @returns 0 when every case passes, 1 when one fails
 * @throws {@link InputFileError} (exit 2) for a malformed cases file
 * @example
 * ```ts
 * process.exitCode = policyTest(config.policy, 'cases.yaml', processOutput, epochSeconds());
 * ```
 */
export function policyTest(policy: CompiledPolicy, file: string, output: Output, now: number): number {
  const content = readYamlFile(file);
  const cases = located(content, (value) => readCases(value, now), (path) => caseLabel(content.value, path));
  let failed = 0;
  for (const testCase of cases) {
    const verdict = decide(evaluatePolicy(policy, testCase.given.input), testCase.given.risk, testCase.proof, policy.levels, now);
    const mismatches = compareCase(testCase, verdict);
    if (mismatches.length === 0) {
      output.out(`ok    ${testCase.name}`);
      continue;
    }
    failed++;
    output.out(`FAIL  ${testCase.name}`);
    const width = Math.max(...mismatches.map((mismatch) => mismatch.field.length));
    for (const mismatch of mismatches) {
      output.out(`        ${mismatch.field.padEnd(width)}  expected ${mismatch.expected}, got ${mismatch.actual}`);
    }
    output.out(`        got ${verdict.decision} ${requirementText(verdict.requirement)} because:`);
    for (const reason of verdict.reasons) output.out(`          - ${reasonText(reason)}`);
  }
  output.out(`${cases.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
