import { RISK_LEVELS, ValidationError, type PolicyInput, type ProvenAssurance, type RiskAssessment, type RiskLevel } from '@stepwise/core';

/*
 * Policy inputs written by hand (policy test cases, the playground) or
 * recorded (exported decisions): the facts `evaluatePolicy` sees, with the
 * risk given as-is rather than re-run through the signals.
 */

/** A policy input read from a file or a form, with the risk assessment its `risk` stands for. */
export interface GivenPolicyInput {
  readonly input: PolicyInput;
  /** Built from `risk.score`, `risk.level` and `risk.codes`; each code a signal of weight 0 with no evidence. */
  readonly risk: RiskAssessment;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mappingAt(raw: Record<string, unknown>, key: string, field: string): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new ValidationError(`${field}.${key}`, 'must be a mapping');
  return value;
}

function stringsAt(raw: Record<string, unknown>, key: string, field: string): string[] | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new ValidationError(`${field}.${key}`, 'must be a list of strings');
  return value as string[];
}

/**
 * Checks the `risk` of a given input and builds the assessment it stands for.
 *
 * @param raw - `{ level, score?, codes? }`, or nothing for low risk
 * @param field - where it is, for errors (`cases[2].input.risk`)
 * @throws {@link ValidationError} naming the field
 * @example
 * ```ts
 * givenRisk({ level: 'high', score: 80, codes: ['untrusted_ip'] }, 'input.risk').score // 80
 * ```
 */
export function givenRisk(raw: unknown, field: string): RiskAssessment {
  if (raw === undefined || raw === null) return { score: 0, level: 'low', signals: [], failed: [] };
  if (!isMapping(raw)) throw new ValidationError(field, 'must be a mapping of level, score and codes');
  const unknown = Object.keys(raw).find((key) => !['level', 'score', 'codes'].includes(key));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, 'is not a risk field (level, score, codes)');
  const level = raw.level ?? 'low';
  if (typeof level !== 'string' || !(RISK_LEVELS as readonly string[]).includes(level)) {
    throw new ValidationError(`${field}.level`, `must be one of ${RISK_LEVELS.join(', ')}`);
  }
  const score = raw.score ?? 0;
  if (typeof score !== 'number' || !(score >= 0 && score <= 100)) throw new ValidationError(`${field}.score`, 'must be a number from 0 to 100');
  const codes = stringsAt(raw, 'codes', field) ?? [];
  return { score, level: level as RiskLevel, signals: codes.map((code) => ({ code, evidence: {}, weight: 0 })), failed: [] };
}

/**
 * Checks a policy input written by hand or recorded: `action` (required),
 * `resource`, `subject`, `context`, `session` (mappings), `risk`
 * (`{ level, score, codes }`) and `client`. Missing mappings are empty.
 *
 * @param raw - the parsed JSON or YAML
 * @param field - where it is, for errors (`cases[2].input`)
 * @throws {@link ValidationError} naming the field
 * @example
 * ```ts
 * const { input, risk } = readGivenInput({ action: 'transfer.create', resource: { amount: 5000 }, risk: { level: 'low' } }, 'input');
 * decide(evaluatePolicy(policy, input), risk, undefined, levels, now);
 * ```
 */
export function readGivenInput(raw: unknown, field: string): GivenPolicyInput {
  if (!isMapping(raw)) throw new ValidationError(field, 'must be a mapping with at least an action');
  const known = ['action', 'resource', 'subject', 'context', 'risk', 'session', 'client'];
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, `is not a policy input field (${known.join(', ')})`);
  if (typeof raw.action !== 'string' || raw.action.trim() === '') throw new ValidationError(`${field}.action`, 'must be a non-empty string');
  if (raw.client !== undefined && raw.client !== null && typeof raw.client !== 'string') throw new ValidationError(`${field}.client`, 'must be a string');
  const risk = givenRisk(raw.risk, `${field}.risk`);
  const input: PolicyInput = {
    action: raw.action,
    resource: mappingAt(raw, 'resource', field),
    subject: mappingAt(raw, 'subject', field),
    context: mappingAt(raw, 'context', field),
    risk: { score: risk.score, level: risk.level, codes: risk.signals.map((signal) => signal.code) },
    session: mappingAt(raw, 'session', field),
    ...(typeof raw.client === 'string' ? { client: raw.client } : {}),
  };
  return { input, risk };
}

/**
 * Checks a token written as `{ acr, amr, auth_time_ago }` (seconds before
 * `now`) and gives the proof `decide` judges.
 *
 * @param raw - the token, or nothing (no proof)
 * @param field - where it is, for errors
 * @param now - the evaluation time, seconds since the epoch
 * @throws {@link ValidationError} naming the field
 * @example
 * ```ts
 * givenProof({ acr: 'aal2', amr: ['pwd', 'otp'], auth_time_ago: 60 }, 'token', now) // { acr: 'aal2', amr: [...], authTime: now - 60 }
 * ```
 */
export function givenProof(raw: unknown, field: string, now: number): ProvenAssurance | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isMapping(raw)) throw new ValidationError(field, 'must be a mapping of acr, amr and auth_time_ago');
  const unknown = Object.keys(raw).find((key) => !['acr', 'amr', 'auth_time_ago'].includes(key));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, 'is not a token field (acr, amr, auth_time_ago)');
  if (typeof raw.acr !== 'string') throw new ValidationError(`${field}.acr`, 'must be a level name');
  const ago = raw.auth_time_ago ?? 0;
  if (typeof ago !== 'number' || !Number.isFinite(ago) || ago < 0) throw new ValidationError(`${field}.auth_time_ago`, 'must be a number of seconds, 0 or more');
  return { acr: raw.acr, amr: stringsAt(raw, 'amr', field) ?? [], authTime: now - ago };
}

/**
 * The proof a recorded session stands for: `{ acr, amr, auth_time }`
 * (seconds since the epoch), as exported decisions carry it.
 *
 * @param session - the recorded `session`
 * @example
 * ```ts
 * sessionProof({ acr: 'aal2', amr: ['pwd', 'otp'], auth_time: 1767225600 }) // { acr: 'aal2', amr: [...], authTime: 1767225600 }
 * ```
 */
export function sessionProof(session: Readonly<Record<string, unknown>>): ProvenAssurance | undefined {
  if (typeof session.acr !== 'string' || typeof session.auth_time !== 'number') return undefined;
  const amr = Array.isArray(session.amr) ? session.amr.filter((value): value is string => typeof value === 'string') : [];
  return { acr: session.acr, amr, authTime: session.auth_time };
}
