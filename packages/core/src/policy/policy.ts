import { Environment } from '@marcbachmann/cel-js';
import { PolicyError } from '../errors.js';
import type { LevelSet } from '../levels.js';
import { checkRequirement, type Requirement } from '../requirement.js';

/** One rule as the operator wrote it (YAML keys already mapped). */
export interface PolicyRuleDefinition {
  /** Unique, shown in every decision it shapes. */
  readonly name: string;
  /** A CEL condition over `action`, `resource`, `subject`, `context`, `risk`, `session`, `client`. */
  readonly when: string;
  /** What a match asks for. Exactly one of `require` and `deny`. */
  readonly require?: Requirement;
  /** A match refuses outright. */
  readonly deny?: boolean;
  readonly description?: string;
}

/** A whole policy: the default, per-client defaults for sign-ins, and the rules. */
export interface PolicyDefinition {
  /** What applies when no rule matches. */
  readonly default: Requirement;
  /** Per OIDC client id: replaces `default` when `client` is that id. */
  readonly clients?: Readonly<Record<string, Requirement>>;
  readonly rules: readonly PolicyRuleDefinition[];
}

/** The facts a policy is evaluated against; every field is visible to CEL. */
export interface PolicyInput {
  /** What the user is doing: `login`, `transfer.create`, … */
  readonly action: string;
  /** What it is done to: amount, payee, environment, the client for `login`. */
  readonly resource: Readonly<Record<string, unknown>>;
  /** Who: at least `id`. */
  readonly subject: Readonly<Record<string, unknown>>;
  /** Request context: ip, user_agent, device_id, time, country, … */
  readonly context: Readonly<Record<string, unknown>>;
  /** Risk assessment: `score`, `level`, `codes`. */
  readonly risk: Readonly<Record<string, unknown>>;
  /** What the current token or session shows: `acr`, `amr`, `auth_time`. */
  readonly session: Readonly<Record<string, unknown>>;
  /** The OIDC client (sign-ins) or API key name (decisions); picks a per-client default. */
  readonly client?: string;
}

/** A rule ready to evaluate. */
export interface CompiledRule extends PolicyRuleDefinition {
  /** Position in the policy, 0-based. */
  readonly index: number;
  readonly test: (bindings: Record<string, unknown>) => unknown;
}

/** A policy whose conditions are parsed and whose requirements are checked. */
export interface CompiledPolicy {
  readonly definition: PolicyDefinition;
  readonly rules: readonly CompiledRule[];
  readonly levels: LevelSet;
}

/** The variables conditions may use; anything else is refused at load. */
export const POLICY_VARIABLES = ['action', 'resource', 'subject', 'context', 'risk', 'session', 'client'] as const;

const environment = new Environment({ homogeneousAggregateLiterals: false, limits: { maxAstNodes: 2_000, maxDepth: 64 } })
  .registerVariable('action', 'string')
  .registerVariable('client', 'string')
  .registerVariable('resource', 'map')
  .registerVariable('subject', 'map')
  .registerVariable('context', 'map')
  .registerVariable('risk', 'map')
  .registerVariable('session', 'map');

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

/**
 * Checks a policy and compiles every condition once. Nothing is evaluated.
 *
 * @param definition - the policy
 * @param levels - the configured levels
 * @returns the compiled policy
 * @throws {@link PolicyError} naming the rule (by index and name) and the reason
 * @example
 * ```ts
 * const policy = compilePolicy({ default: { acr: 'aal1' }, rules: [
 *   { name: 'large-transfer', when: 'action == "transfer.create" && resource.amount > 1000', require: { acr: 'aal2', maxAge: 300 } },
 * ] }, new LevelSet());
 * ```
 */
export function compilePolicy(definition: PolicyDefinition, levels: LevelSet): CompiledPolicy {
  const checked = (requirement: Requirement, path: string): void => {
    try {
      checkRequirement(requirement, levels);
    } catch (error) {
      throw new PolicyError(path, firstLine(error));
    }
  };
  checked(definition.default, 'default');
  for (const [client, requirement] of Object.entries(definition.clients ?? {})) checked(requirement, `clients.${client}`);
  const names = new Set<string>();
  const rules = definition.rules.map((rule, index): CompiledRule => {
    const path = `rules[${index}]`;
    if (names.has(rule.name)) throw new PolicyError(`${path}.name`, `the name "${rule.name}" is used by two rules`);
    names.add(rule.name);
    if ((rule.deny === true) === (rule.require !== undefined)) {
      throw new PolicyError(path, `rule "${rule.name}" needs exactly one of "require" and "deny: true"`);
    }
    if (rule.require) checked(rule.require, `${path}.require`);
    let test: CompiledRule['test'];
    try {
      test = environment.parse(rule.when);
      const type = environment.check(rule.when);
      if (!type.valid) throw type.error ?? new Error('the condition does not type-check');
      if (type.type !== 'bool' && type.type !== 'dyn') throw new Error(`the condition gives ${type.type}, not a bool`);
    } catch (error) {
      throw new PolicyError(`${path}.when`, `rule "${rule.name}": ${firstLine(error)}`);
    }
    return { ...rule, index, test };
  });
  return { definition, rules, levels };
}
