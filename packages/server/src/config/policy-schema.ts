import * as z from 'zod';
import { DEFAULT_RISK_SCORING, type LevelSet, type PolicyDefinition, type Requirement } from '@stepwise/core';

/*
 * The `policy`, `risk` and `decisions` sections of stepwise.yaml. Kept apart
 * from schema.ts so that the policy can be read again on its own when the
 * file changes (a reload touches nothing else).
 */

const strict = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a mapping of settings') });

const nonEmpty = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' });
const seconds = z.union([z.number(), z.string()], { error: 'must be a number of seconds or a duration such as "5m"' });

const requirementSchema = strict({
  acr: nonEmpty,
  max_age: z.union([z.number().int().min(0), z.string()], { error: 'must be a whole number of seconds (0 or more) or a duration' }).optional(),
  methods: z.array(nonEmpty, { error: 'must be a list of method ids or "phishing_resistant"' }).min(1, { error: 'must list at least one method' }).optional(),
});

const ruleSchema = strict({
  name: nonEmpty,
  description: z.string({ error: 'must be a string' }).optional(),
  when: nonEmpty,
  require: requirementSchema.optional(),
  deny: z.boolean({ error: 'must be true or false' }).optional(),
});

/** `policy:` in stepwise.yaml. */
export const policySchema = strict({
  default: requirementSchema.optional(),
  clients: z.record(z.string(), requirementSchema, { error: 'must map client ids to requirements' }).optional(),
  rules: z.array(ruleSchema, { error: 'must be a list of rules' }).optional(),
});

const weight = z.number({ error: 'must be a number from 0 to 100' }).min(0, { error: 'must be a number from 0 to 100' }).max(100, { error: 'must be a number from 0 to 100' });

/** `risk:` in stepwise.yaml. */
export const riskSchema = strict({
  weights: z.record(z.string(), weight, { error: 'must map signal codes to weights' }).optional(),
  thresholds: strict({ medium: weight, high: weight }).optional(),
  new_for: seconds.optional(),
  untrusted_ip: strict({ lists: z.array(nonEmpty, { error: 'must be a list of files' }) }).optional(),
  geoip: strict({ database: nonEmpty }).optional(),
  impossible_travel: strict({ max_speed_kmh: z.number().positive({ error: 'must be a positive number' }) }).optional(),
  unusual_hour: strict({ min_history: z.number().int().min(1, { error: 'must be an integer of 1 or more' }) }).optional(),
  failed_attempts: strict({
    window: seconds.optional(),
    per_user: z.number().int().min(1).optional(),
    per_ip: z.number().int().min(1).optional(),
  }).optional(),
});

/** `decisions:` in stepwise.yaml. */
export const decisionsSchema = strict({
  challenge_ttl: seconds.optional(),
  receipt_ttl: seconds.optional(),
});

/**
 * The policy when none is written: no rules, and the weakest level (any one
 * method, with the default levels) for everything.
 *
 * @param levels - the configured levels
 */
export function defaultPolicy(levels: LevelSet): PolicyDefinition {
  return { default: { acr: levels.strongestFirst[levels.strongestFirst.length - 1]!.name }, rules: [] };
}

/** Risk settings, defaults filled in; paths absolute. */
export interface RiskConfig {
  readonly weights: Readonly<Record<string, number>>;
  readonly thresholds: { readonly medium: number; readonly high: number };
  /**
   * How long a device or country first seen recently still counts as new,
   * and how recent a sign-in must be for `impossible_travel` to judge the
   * jump that led to it. A sign-in is recorded before the decisions that
   * follow it, so without this the attacker's own sign-in would make their
   * device and country known.
   */
  readonly newForSeconds: number;
  /** Files of CIDR ranges (one per line, `#` comments): Tor exits, Spamhaus DROP, your own. */
  readonly denyLists: readonly string[];
  /** A MaxMind-format database (Country or City); `null`: the public-domain (PDDL) country database that ships with Stepwise. */
  readonly geoipDatabase: string | null;
  readonly maxSpeedKmh: number;
  /** Sign-ins a user needs before `unusual_hour` judges their hours. */
  readonly unusualHourMinHistory: number;
  readonly failedAttempts: { readonly windowSeconds: number; readonly perUser: number; readonly perIp: number };
}

/** Decision API settings. */
export interface DecisionsConfig {
  /** How long a challenge waits for the user. */
  readonly challengeTtl: number;
  /** How long a step-up receipt is valid. */
  readonly receiptTtl: number;
}

/** Defaults of {@link RiskConfig} (`denyLists` and `geoipDatabase` empty). */
export const DEFAULT_RISK: RiskConfig = {
  weights: DEFAULT_RISK_SCORING.weights,
  thresholds: DEFAULT_RISK_SCORING.thresholds,
  newForSeconds: 86_400,
  denyLists: [],
  geoipDatabase: null,
  maxSpeedKmh: 1000,
  unusualHourMinHistory: 10,
  failedAttempts: { windowSeconds: 900, perUser: 3, perIp: 10 },
};

/** Defaults of {@link DecisionsConfig}. */
export const DEFAULT_DECISIONS: DecisionsConfig = { challengeTtl: 600, receiptTtl: 300 };

/**
 * Maps a YAML requirement to core's shape.
 *
 * @param raw - `{ acr, max_age, methods }`
 * @param durationOf - turns `max_age` into seconds (0 allowed)
 */
export function toRequirement(raw: z.output<typeof requirementSchema>, durationOf: (value: number | string) => number): Requirement {
  return {
    acr: raw.acr,
    ...(raw.max_age === undefined ? {} : { maxAge: durationOf(raw.max_age) }),
    ...(raw.methods === undefined ? {} : { methods: raw.methods as Requirement['methods'] & string[] }),
  };
}
