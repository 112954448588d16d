/** Risk levels, lowest first. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;

/** One of {@link RISK_LEVELS}. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** What a signal found: its stable code and the facts behind it. */
export interface RiskFinding {
  /** The signal's stable code: `new_device`, `impossible_travel`, … */
  readonly code: string;
  /** Facts an operator can check: the country before and now, the speed, the list that matched. */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/**
 * A risk signal, in the shape of oidc-provider's `Check`: a stable code, a
 * description, and one function that looks at the context and reports a
 * finding or nothing. Signals never count as a factor; they only raise the
 * requirement (through policy rules on `risk`) or deny.
 */
export interface RiskSignal<Context> {
  readonly code: string;
  readonly description: string;
  evaluate(context: Context): RiskFinding | undefined | Promise<RiskFinding | undefined>;
}

/** Weights per signal code and the score at which each level starts. */
export interface RiskScoring {
  /** Points each signal adds, 0 to 100; a code without a weight adds 0. */
  readonly weights: Readonly<Record<string, number>>;
  /** Lowest score of `medium` and of `high`. */
  readonly thresholds: { readonly medium: number; readonly high: number };
}

/** A finding with the points it added. */
export interface ScoredFinding extends RiskFinding {
  readonly weight: number;
  readonly description?: string;
}

/** The risk of one request. */
export interface RiskAssessment {
  /** 0 to 100: the sum of the findings' weights, capped. */
  readonly score: number;
  readonly level: RiskLevel;
  /** What was found, in signal order. */
  readonly signals: readonly ScoredFinding[];
  /** Signals that could not be evaluated (their code and why); they add nothing. */
  readonly failed: readonly { readonly code: string; readonly message: string }[];
}

/** Defaults: one strong signal (untrusted network, impossible travel) is high on its own. */
export const DEFAULT_RISK_SCORING: RiskScoring = {
  weights: { new_device: 20, untrusted_ip: 60, new_country: 25, impossible_travel: 60, unusual_hour: 10, failed_attempts: 30 },
  thresholds: { medium: 30, high: 60 },
};

/**
 * Scores findings: the sum of their weights, capped at 100, and the level
 * its thresholds give.
 *
 * @param findings - what the signals found
 * @param scoring - weights and thresholds
 * @param descriptions - signal descriptions to attach, by code
 * @example
 * ```ts
 * scoreRisk([{ code: 'new_device', evidence: {} }], DEFAULT_RISK_SCORING) // { score: 20, level: 'low', … }
 * ```
 */
export function scoreRisk(
  findings: readonly RiskFinding[],
  scoring: RiskScoring = DEFAULT_RISK_SCORING,
  descriptions: Readonly<Record<string, string>> = {},
): RiskAssessment {
  const signals = findings.map((finding): ScoredFinding => ({
    ...finding,
    weight: scoring.weights[finding.code] ?? 0,
    ...(descriptions[finding.code] ? { description: descriptions[finding.code] } : {}),
  }));
  const score = Math.min(100, signals.reduce((sum, signal) => sum + signal.weight, 0));
  const level: RiskLevel = score >= scoring.thresholds.high ? 'high' : score >= scoring.thresholds.medium ? 'medium' : 'low';
  return { score, level, signals, failed: [] };
}

/**
 * Runs every signal on one context (concurrently) and scores what they
 * find. A signal that throws adds nothing and is reported in `failed`.
 *
 * @param signals - the registered signals
 * @param context - what they look at
 * @param scoring - weights and thresholds
 * @example
 * ```ts
 * const risk = await assessRisk([newDevice, untrustedIp], context, DEFAULT_RISK_SCORING);
 * ```
 */
export async function assessRisk<Context>(
  signals: readonly RiskSignal<Context>[],
  context: Context,
  scoring: RiskScoring = DEFAULT_RISK_SCORING,
): Promise<RiskAssessment> {
  const settled = await Promise.allSettled(signals.map(async (signal) => signal.evaluate(context)));
  const findings: RiskFinding[] = [];
  const failed: { code: string; message: string }[] = [];
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      if (result.value) findings.push(result.value);
    } else {
      failed.push({ code: signals[index]!.code, message: result.reason instanceof Error ? result.reason.message : String(result.reason) });
    }
  });
  const descriptions = Object.fromEntries(signals.map((signal) => [signal.code, signal.description]));
  return { ...scoreRisk(findings, scoring, descriptions), failed };
}

/**
 * What policies see of a risk assessment: `risk.score`, `risk.level`, `risk.codes`.
 *
 * @param risk - the assessment
 */
export function riskBindings(risk: RiskAssessment): { score: number; level: RiskLevel; codes: string[] } {
  return { score: risk.score, level: risk.level, codes: risk.signals.map((signal) => signal.code) };
}
