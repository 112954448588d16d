import { ConfigError, PolicyError, StepwiseError, ValidationError, type CompiledPolicy, type LevelSet } from '@stepwise/core';
import { LineCounter, parseDocument } from 'yaml';
import { readPolicy } from '../../config/policy-load.js';

/** Pasted policies are bounded like every other field (the request body is bounded too). */
export const MAX_POLICY_TEXT = 32 * 1024;

/** What checking a pasted policy found. */
export type PolicyCheck =
  | { readonly valid: true; readonly policy: CompiledPolicy; readonly rules: number }
  | {
    readonly valid: false;
    /** `yaml` for a syntax error, else where in the policy: `rules[2].when`, `default`. */
    readonly path: string;
    readonly reason: string;
    /** The line in the pasted text, when known. */
    readonly line?: number | undefined;
  };

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a pasted policy with the loader the server itself uses
 * (`readPolicy`: shape, levels, methods, every CEL condition compiled),
 * without applying it. The text is YAML or JSON (JSON is YAML), either a
 * whole configuration with a `policy:` section or the section's content
 * alone; errors name the place in the policy and the line of the text.
 *
 * @param text - what was pasted
 * @param levels - the levels in force
 * @throws {@link ValidationError} for empty or oversized text
 * @example
 * ```ts
 * checkPastedPolicy('policy:\n  rules:\n    - name: x\n      when: "action =="\n      require: { acr: aal2 }\n', levels);
 * // { valid: false, path: 'rules[0].when', reason: 'rule "x": …', line: 4 }
 * ```
 */
export function checkPastedPolicy(text: string, levels: LevelSet): PolicyCheck {
  if (text.trim() === '') throw new ValidationError('policy', 'paste a policy (YAML or JSON)');
  if (text.length > MAX_POLICY_TEXT) throw new ValidationError('policy', `must be at most ${MAX_POLICY_TEXT} characters`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    // The yaml package appends " at line N, column M:" and an excerpt; the line is reported apart.
    const reason = problem.message.split(/ at line \d+/)[0] ?? problem.message;
    return { valid: false, path: 'yaml', reason, line: problem.linePos?.[0].line };
  }
  let read: unknown;
  try {
    read = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // Aliases that expand without bound ("billion laughs") stop here.
    return { valid: false, path: 'yaml', reason: (error as Error).message };
  }
  const values = read;
  const whole = isMapping(values) && 'policy' in values;
  const section = whole ? values.policy : values;
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // readPolicy asks from the file's root (`['policy', …]`); a pasted section has no `policy` key.
    const node = doc.getIn((whole ? path : path.slice(1)) as unknown[], true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  if (section === undefined || section === null) return { valid: false, path: '(root)', reason: 'is empty: paste rules, a default or per-client defaults' };
  try {
    const policy = readPolicy(section, levels, lineOf);
    return { valid: true, policy, rules: policy.rules.length };
  } catch (error) {
    if (error instanceof PolicyError) return { valid: false, path: error.path, reason: error.reason, line: error.line };
    // A bad duration (`max_age: soon`) is a ConfigError naming only the key; nothing else is expected, but no pasted text may give a 500.
    if (error instanceof ConfigError) return { valid: false, path: error.key, reason: error.message.replace(/^configuration [^:]+: /, '') };
    if (error instanceof StepwiseError) return { valid: false, path: '(root)', reason: error.message };
    throw error;
  }
}
