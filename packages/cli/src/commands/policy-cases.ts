import { ValidationError, type DecisionOutcome, type ProvenAssurance } from '@stepwise/core';
import { givenProof, parseDuration, readGivenInput, type GivenPolicyInput } from '@stepwise/server';

/** What a case expects; fields left out are not checked. */
export interface CaseExpectation {
  readonly decision: DecisionOutcome;
  readonly acr?: string;
  /** Seconds. */
  readonly maxAge?: number;
  readonly methods?: readonly string[];
  /** Names of the rules that must match, and no others (any order). */
  readonly rules?: readonly string[];
}

/** One test case of `stepwise policy test`. */
export interface PolicyCase {
  readonly name: string;
  readonly given: GivenPolicyInput;
  /** What the caller's token proves, judged at `now`. */
  readonly proof: ProvenAssurance | undefined;
  readonly expect: CaseExpectation;
}

const DECISIONS: readonly DecisionOutcome[] = ['allow', 'step_up', 'deny'];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new ValidationError(field, 'must be a list of strings');
  return value as string[];
}

function maxAgeOf(value: unknown, field: string): number {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'number' && typeof value !== 'string') throw new ValidationError(field, 'must be seconds or a duration such as "5m"');
  try {
    return parseDuration(value, field);
  } catch {
    throw new ValidationError(field, 'must be seconds or a duration such as "5m"');
  }
}

function readExpectation(raw: unknown, field: string): CaseExpectation {
  if (!isMapping(raw)) throw new ValidationError(field, 'must be a mapping with at least a decision');
  const unknown = Object.keys(raw).find((key) => !['decision', 'acr', 'max_age', 'methods', 'rules'].includes(key));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, 'is not an expectation (decision, acr, max_age, methods, rules)');
  if (typeof raw.decision !== 'string' || !(DECISIONS as readonly string[]).includes(raw.decision)) {
    throw new ValidationError(`${field}.decision`, `must be one of ${DECISIONS.join(', ')}`);
  }
  if (raw.acr !== undefined && typeof raw.acr !== 'string') throw new ValidationError(`${field}.acr`, 'must be a level name');
  return {
    decision: raw.decision as DecisionOutcome,
    ...(raw.acr === undefined ? {} : { acr: raw.acr as string }),
    ...(raw.max_age === undefined ? {} : { maxAge: maxAgeOf(raw.max_age, `${field}.max_age`) }),
    ...(raw.methods === undefined ? {} : { methods: strings(raw.methods, `${field}.methods`) }),
    ...(raw.rules === undefined ? {} : { rules: strings(raw.rules, `${field}.rules`) }),
  };
}

/**
 * Checks a cases file's content: `cases:`, a list of `{ name, input, token?, expect }`.
 *
 * @param raw - the parsed YAML
 * @param now - the evaluation time, seconds (tokens are written relative to it)
 * @throws {@link ValidationError} naming the field (`cases[2].expect.decision`)
 * @example
 * ```ts
 * const cases = located(readYamlFile('cases.yaml'), (value) => readCases(value, now));
 * ```
 */
export function readCases(raw: unknown, now: number): PolicyCase[] {
  if (!isMapping(raw) || !Array.isArray(raw.cases)) throw new ValidationError('cases', 'the file must hold "cases:", a list of test cases');
  const unknown = Object.keys(raw).find((key) => key !== 'cases');
  if (unknown !== undefined) throw new ValidationError(unknown, 'is not known here (only "cases")');
  if (raw.cases.length === 0) throw new ValidationError('cases', 'lists no case');
  const names = new Set<string>();
  return raw.cases.map((entry: unknown, index): PolicyCase => {
    const field = `cases[${index}]`;
    if (!isMapping(entry)) throw new ValidationError(field, 'must be a mapping of name, input, token and expect');
    const extra = Object.keys(entry).find((key) => !['name', 'input', 'token', 'expect'].includes(key));
    if (extra !== undefined) throw new ValidationError(`${field}.${extra}`, 'is not a case field (name, input, token, expect)');
    if (typeof entry.name !== 'string' || entry.name.trim() === '') throw new ValidationError(`${field}.name`, 'must be a non-empty string');
    if (names.has(entry.name)) throw new ValidationError(`${field}.name`, `"${entry.name}" names two cases`);
    names.add(entry.name);
    return {
      name: entry.name,
      given: readGivenInput(entry.input, `${field}.input`),
      proof: givenProof(entry.token, `${field}.token`, now),
      expect: readExpectation(entry.expect, `${field}.expect`),
    };
  });
}

/**
 * The case a path in the file belongs to, for error messages.
 *
 * @param raw - the parsed YAML
 * @param path - a path such as `['cases', 2, 'expect']`
 * @example
 * ```ts
 * caseLabel(file.value, ['cases', 0, 'input']) // 'case "large transfer steps up"'
 * ```
 */
export function caseLabel(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'cases' || typeof path[1] !== 'number' || !isMapping(raw) || !Array.isArray(raw.cases)) return undefined;
  const entry: unknown = raw.cases[path[1]];
  return isMapping(entry) && typeof entry.name === 'string' ? `case "${entry.name}"` : undefined;
}
