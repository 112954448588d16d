import type { AuthorizationDetail, DecisionReason, Requirement, RiskLevel, ScoredFinding } from '@stepwise/core';
import { requirementText } from '../../policy/describe-decision.js';
import { html, type SafeHtml } from '../html.js';
import { describeRequirement } from '../routes/forms.js';

/*
 * Stored decisions are JSON written by whichever version of Stepwise made
 * them. The explorer reads them defensively: what does not have the
 * expected shape is left out rather than crash the page.
 */

const REASON_KINDS = new Set(['rule', 'rule_error', 'default', 'methods_conflict', 'risk', 'risk_signal_failed', 'proof']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordOr(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/**
 * A stored requirement, when it has a level.
 *
 * @param value - the parsed JSON
 * @example
 * ```ts
 * asRequirement(JSON.parse(row.requirement)); // { acr: 'aal2', maxAge: 300 }
 * ```
 */
export function asRequirement(value: unknown): Requirement | undefined {
  return isRecord(value) && typeof value.acr === 'string' ? (value as unknown as Requirement) : undefined;
}

/**
 * The stored reasons that have a known kind; a rule that requires keeps
 * only a requirement with a level, else it is left out.
 *
 * @param value - the parsed JSON
 * @example
 * ```ts
 * asReasons(JSON.parse(row.reasons)).map(reasonText);
 * ```
 */
export function asReasons(value: unknown): DecisionReason[] {
  if (!Array.isArray(value)) return [];
  return value.filter((reason): reason is DecisionReason => {
    if (!isRecord(reason) || typeof reason.kind !== 'string' || !REASON_KINDS.has(reason.kind)) return false;
    if ((reason.kind === 'default' || (reason.kind === 'rule' && reason.effect === 'require')) && !asRequirement(reason.requirement)) return false;
    if (reason.kind === 'risk' && !isRecord(reason.evidence)) return false;
    return true;
  });
}

/** A stored risk assessment with defaults for anything missing. */
export interface StoredRisk {
  readonly score: number;
  readonly level: RiskLevel | string;
  readonly signals: readonly ScoredFinding[];
  readonly failed: readonly { readonly code: string; readonly message: string }[];
}

/**
 * A stored risk assessment.
 *
 * @param value - the parsed JSON
 * @example
 * ```ts
 * asRisk(JSON.parse(row.risk)).signals; // [{ code: 'new_device', weight: 20, evidence: {…} }]
 * ```
 */
export function asRisk(value: unknown): StoredRisk {
  const risk = recordOr(value);
  const signals = (Array.isArray(risk.signals) ? risk.signals : []).filter((signal): signal is ScoredFinding =>
    isRecord(signal) && typeof signal.code === 'string' && typeof signal.weight === 'number' && isRecord(signal.evidence));
  const failed = (Array.isArray(risk.failed) ? risk.failed : []).filter((failure): failure is { code: string; message: string } =>
    isRecord(failure) && typeof failure.code === 'string' && typeof failure.message === 'string');
  return {
    score: typeof risk.score === 'number' ? risk.score : 0,
    level: typeof risk.level === 'string' ? risk.level : 'low',
    signals,
    failed,
  };
}

/** A stored decision input: resource, context, session (the caller's token), client and any bound details. */
export interface StoredInput {
  readonly resource: Record<string, unknown>;
  readonly context: Record<string, unknown>;
  readonly session: Record<string, unknown>;
  readonly client: unknown;
  readonly authorization_details: unknown;
}

/**
 * A stored decision input.
 *
 * @param value - the parsed JSON
 * @example
 * ```ts
 * inputOf(JSON.parse(row.input)).resource; // { amount: 5000 }
 * ```
 */
export function inputOf(value: unknown): StoredInput {
  const input = recordOr(value);
  return {
    resource: recordOr(input.resource),
    context: recordOr(input.context),
    session: recordOr(input.session),
    client: input.client,
    authorization_details: input.authorization_details,
  };
}

/**
 * Bound `authorization_details`, when the stored value is a list of details with a type.
 *
 * @param value - the stored value
 * @example
 * ```ts
 * transactionSummary(asDetails(input.authorization_details), types);
 * ```
 */
export function asDetails(value: unknown): AuthorizationDetail[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((detail) => isRecord(detail) && typeof detail.type === 'string') ? (value as AuthorizationDetail[]) : undefined;
}

/**
 * A JSON value in a `<pre>`, indented; `{}` reads as "none".
 *
 * @param value - any JSON value
 * @example
 * ```ts
 * html`<dd>${jsonBlock(input.resource)}</dd>`;
 * ```
 */
export function jsonBlock(value: Record<string, unknown>): SafeHtml {
  return Object.keys(value).length === 0 ? html`<span class="muted">none</span>` : html`<pre class="admin-json">${JSON.stringify(value, null, 2)}</pre>`;
}

/**
 * A requirement as code and, when they say more, in words:
 * `aal2 max_age=300 (aal2, verified within the last 5 minutes)`.
 *
 * @param requirement - the requirement
 * @example
 * ```ts
 * html`<dd>${requirementSummary({ acr: 'aal2', maxAge: 300 })}</dd>`;
 * ```
 */
export function requirementSummary(requirement: Requirement): SafeHtml {
  const words = describeRequirement(requirement);
  return html`<code>${requirementText(requirement)}</code>${words !== requirement.acr && html` <span class="muted">(${words})</span>`}`;
}
