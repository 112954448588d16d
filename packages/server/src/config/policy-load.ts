import { resolve } from 'node:path';
import type * as z from 'zod';
import { compilePolicy, PolicyError, type CompiledPolicy, type LevelSet, type PolicyDefinition } from '@stepwise/core';
import {
  DEFAULT_DECISIONS,
  defaultPolicy,
  DEFAULT_RISK,
  policySchema,
  toRequirement,
  type DecisionsConfig,
  type decisionsSchema,
  type RiskConfig,
  type riskSchema,
} from './policy-schema.js';
import { parseDuration } from './schema.js';
import { readFile } from './yaml-file.js';

/** Finds the line of a YAML path (from the root of the file), when there is a file. */
export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

/** `max_age: 0` is allowed ("a fresh factor now"), unlike other durations. */
function maxAgeSeconds(value: number | string): number {
  return value === 0 || value === '0' ? 0 : parseDuration(value, 'max_age');
}

function pathOf(path: string): PropertyKey[] {
  return path.split(/\.|\[(\d+)\]/).filter((step) => step !== undefined && step !== '').map((step) => (/^\d+$/.test(step) ? Number(step) : step));
}

function withLine(error: PolicyError, lineOf: LineOf): PolicyError {
  const line = lineOf(['policy', ...pathOf(error.path)]);
  return line === undefined ? error : new PolicyError(error.path, error.reason, line);
}

/**
 * Reads and compiles the `policy` section: shape, levels, methods and every
 * CEL condition. Errors name the place in the policy and the file line.
 *
 * @param raw - the section as read from YAML (`undefined`: the default policy)
 * @param levels - the configured levels
 * @param lineOf - line lookup in the file
 * @throws {@link PolicyError}
 * @example
 * ```ts
 * const policy = readPolicy(yaml.policy, new LevelSet(), () => undefined);
 * ```
 */
export function readPolicy(raw: unknown, levels: LevelSet, lineOf: LineOf): CompiledPolicy {
  if (raw === undefined || raw === null) return compilePolicy(defaultPolicy(levels), levels);
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const reason = issue.code === 'unrecognized_keys' ? 'is not a known setting' : issue.message;
    const dotted = path.map((step, index) => (typeof step === 'number' ? `[${step}]` : `${index ? '.' : ''}${String(step)}`)).join('');
    throw withLine(new PolicyError(dotted || '(root)', reason), lineOf);
  }
  try {
    const { default: fallback, clients, rules } = parsed.data;
    const definition: PolicyDefinition = {
      default: fallback ? toRequirement(fallback, maxAgeSeconds) : defaultPolicy(levels).default,
      ...(clients ? { clients: Object.fromEntries(Object.entries(clients).map(([id, req]) => [id, toRequirement(req, maxAgeSeconds)])) } : {}),
      rules: (rules ?? []).map((rule) => ({
        name: rule.name,
        when: rule.when,
        ...(rule.description === undefined ? {} : { description: rule.description }),
        ...(rule.require ? { require: toRequirement(rule.require, maxAgeSeconds) } : {}),
        ...(rule.deny === undefined ? {} : { deny: rule.deny }),
      })),
    };
    return compilePolicy(definition, levels);
  } catch (error) {
    if (error instanceof PolicyError) throw withLine(error, lineOf);
    throw error;
  }
}

/**
 * The `risk` section with defaults; list and database paths resolved
 * against `baseDir`.
 *
 * @param raw - the parsed section, if any
 * @param baseDir - the config file's folder, or the working directory
 */
export function readRisk(raw: z.output<typeof riskSchema> | undefined, baseDir: string): RiskConfig {
  const failed = raw?.failed_attempts;
  return {
    weights: { ...DEFAULT_RISK.weights, ...raw?.weights },
    thresholds: raw?.thresholds ?? DEFAULT_RISK.thresholds,
    newForSeconds: raw?.new_for === undefined ? DEFAULT_RISK.newForSeconds : parseDuration(raw.new_for, 'risk.new_for'),
    denyLists: (raw?.untrusted_ip?.lists ?? []).map((file) => resolve(baseDir, file)),
    geoipDatabase: raw?.geoip ? resolve(baseDir, raw.geoip.database) : null,
    maxSpeedKmh: raw?.impossible_travel?.max_speed_kmh ?? DEFAULT_RISK.maxSpeedKmh,
    unusualHourMinHistory: raw?.unusual_hour?.min_history ?? DEFAULT_RISK.unusualHourMinHistory,
    failedAttempts: {
      windowSeconds: failed?.window === undefined ? DEFAULT_RISK.failedAttempts.windowSeconds : parseDuration(failed.window, 'risk.failed_attempts.window'),
      perUser: failed?.per_user ?? DEFAULT_RISK.failedAttempts.perUser,
      perIp: failed?.per_ip ?? DEFAULT_RISK.failedAttempts.perIp,
    },
  };
}

/**
 * The `decisions` section with defaults.
 *
 * @param raw - the parsed section, if any
 */
export function readDecisions(raw: z.output<typeof decisionsSchema> | undefined): DecisionsConfig {
  return {
    challengeTtl: raw?.challenge_ttl === undefined ? DEFAULT_DECISIONS.challengeTtl : parseDuration(raw.challenge_ttl, 'decisions.challenge_ttl'),
    receiptTtl: raw?.receipt_ttl === undefined ? DEFAULT_DECISIONS.receiptTtl : parseDuration(raw.receipt_ttl, 'decisions.receipt_ttl'),
  };
}


/**
 * Reads the policy section of a configuration file again (on a change of
 * the file): YAML syntax, shape and conditions are all checked, and every
 * error names its line, so the caller can keep the old policy.
 *
 * @param path - the configuration file
 * @param levels - the levels in force (they are not reloaded)
 * @throws {@link ConfigError} for unreadable or malformed YAML, {@link PolicyError} for a bad policy
 * @example
 * ```ts
 * const policy = readPolicyFile('/srv/stepwise.yaml', services.levels);
 * ```
 */
export function readPolicyFile(path: string, levels: LevelSet): CompiledPolicy {
  const file = readFile(path);
  return readPolicy(file.values.policy, levels, file.lineOf);
}
