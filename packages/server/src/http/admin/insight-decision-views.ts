import type { AuditRecord, DecisionReason, DetailTypes, Requirement } from '@stepwise/core';
import { reasonText, requirementText } from '../../policy/describe-decision.js';
import { html, type SafeHtml } from '../html.js';
import { transactionSummary } from '../pages/transaction-summary.js';
import { formatMillis, formatSeconds, pager } from './admin-format.js';
import { requiringRules } from './insight-chart-data.js';
import { DECISION_OUTCOMES, proofAmr, type ChallengeRecord, type DecisionRecord } from '../../storage/decision-reads.js';
import { asDetails, asReasons, asRequirement, asRisk, inputOf, jsonBlock, requirementSummary } from './insight-decision-read.js';

/** The decision list's filter as typed, for the form and the page links. */
export interface DecisionListForm {
  readonly subject: string;
  readonly action: string;
  readonly outcome: string;
}

/** What the decision list shows. */
export interface DecisionListView {
  readonly form: DecisionListForm;
  readonly rows: readonly DecisionRecord[];
  readonly page: number;
  readonly more: boolean;
}

const OUTCOME_WORDS: Readonly<Record<string, string>> = { allow: 'Allow', step_up: 'Step up', deny: 'Deny' };

function outcomeBadge(outcome: string): SafeHtml {
  return html`<span class="state outcome-${outcome}" data-outcome="${outcome}">${OUTCOME_WORDS[outcome] ?? outcome}</span>`;
}

function requirementCell(requirement: Requirement | undefined): SafeHtml {
  return requirement ? html`<code>${requirementText(requirement)}</code>` : html`—`;
}

function who(record: Pick<DecisionRecord, 'subject' | 'username'>): SafeHtml {
  return html`<a href="/admin/users/${encodeURIComponent(record.subject)}">${record.username ?? record.subject}</a>`;
}

/**
 * The recent decisions: a filter form (subject, action prefix, outcome)
 * that works by GET, one row per decision with its rules and requirement,
 * each linking to its explorer page.
 *
 * @param view - filter, rows, page
 * @example
 * ```ts
 * adminLayout({ title: 'Decisions', section: 'decisions', admin }, decisionList({ form, rows, page: 1, more: false }));
 * ```
 */
export function decisionList(view: DecisionListView): SafeHtml {
  const query = new URLSearchParams();
  for (const name of ['subject', 'action', 'outcome'] as const) if (view.form[name] !== '') query.set(name, view.form[name]);
  return html`<h1>Decisions</h1>
<p class="muted">Every answer of the decision API, newest first, with what made it. Open one to see its input, its reasons and its challenge.</p>
<form class="admin-search" method="get" action="/admin/decisions" role="search">
<div><label for="decision-subject">Subject</label><input type="text" id="decision-subject" name="subject" value="${view.form.subject}" placeholder="user id or username" maxlength="256"></div>
<div><label for="decision-action">Action starts with</label><input type="text" id="decision-action" name="action" value="${view.form.action}" placeholder="transfer." maxlength="256"></div>
<div><label for="decision-outcome">Outcome</label><select id="decision-outcome" name="outcome"><option value="">any</option>${DECISION_OUTCOMES.map((outcome) => (outcome === view.form.outcome
    ? html`<option value="${outcome}" selected>${OUTCOME_WORDS[outcome]}</option>`
    : html`<option value="${outcome}">${OUTCOME_WORDS[outcome]}</option>`))}</select></div>
<button type="submit">Filter</button>
</form>
${view.rows.length === 0
    ? html`<p class="muted" data-empty>No decision matches.</p>`
    : html`<table class="admin-table" data-decisions>
<thead><tr><th scope="col">When</th><th scope="col">Subject</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Requirement</th><th scope="col">Rules</th><th scope="col">API key</th><th scope="col">Decision</th></tr></thead>
<tbody>
${view.rows.map((row) => html`<tr data-decision-id="${row.id}"><td>${formatSeconds(row.createdAt)}</td><td>${who(row)}</td><td><code>${row.action}</code></td><td>${outcomeBadge(row.outcome)}</td><td>${requirementCell(asRequirement(row.requirement))}</td><td>${requiringRules(row.reasons).map((rule, index) => html`${index > 0 && ', '}<code>${rule}</code>`)}</td><td>${row.apiKeyName ?? '—'}</td><td><a href="/admin/decisions/${encodeURIComponent(row.id)}">${row.id}</a></td></tr>`)}
</tbody>
</table>`}
${pager({ path: '/admin/decisions', query, page: view.page, more: view.more })}`;
}

function reasonItem(reason: DecisionReason): SafeHtml {
  switch (reason.kind) {
    case 'rule':
      return reason.effect === 'deny'
        ? html`<li data-kind="rule" data-effect="deny">Rule <code>${reason.rule}</code> matched and <strong>denies</strong>.</li>`
        : html`<li data-kind="rule" data-effect="require">Rule <code>${reason.rule}</code> matched and requires ${requirementSummary(reason.requirement)}.</li>`;
    case 'rule_error':
      return html`<li data-kind="rule_error">Rule <code>${reason.rule}</code> could not be evaluated, so it <strong>denies</strong>: ${reason.message}</li>`;
    case 'default':
      return html`<li data-kind="default">No rule asked for more: the ${reason.client === undefined ? 'policy' : html`client <code>${reason.client}</code>`} default <code>${requirementText(reason.requirement)}</code> applies.</li>`;
    case 'risk':
      return html`<li data-kind="risk">Risk signal <code>${reason.code}</code> (+${reason.weight})${Object.keys(reason.evidence).length > 0 && html`: ${evidenceList(reason.evidence)}`}</li>`;
    case 'proof':
      return reason.met
        ? html`<li data-kind="proof" data-met="true">The caller's token <strong>meets</strong> the requirement.</li>`
        : html`<li data-kind="proof" data-met="false">The caller's token <strong>does not meet</strong> the requirement${reason.reason && html` (<code>${reason.reason}</code>)`}: ${reason.message ?? ''}</li>`;
    default:
      return html`<li data-kind="${reason.kind}">${reasonText(reason)}</li>`;
  }
}

function evidenceList(evidence: Readonly<Record<string, unknown>>): SafeHtml {
  return html`${Object.entries(evidence).map(([key, value], index) => html`${index > 0 && ', '}${key} <code>${typeof value === 'string' ? value : JSON.stringify(value)}</code>`)}`;
}

function riskSection(risk: ReturnType<typeof asRisk>): SafeHtml {
  return html`<section aria-labelledby="risk-heading" data-risk-level="${risk.level}">
<h2 id="risk-heading">Risk</h2>
<p>Score <strong>${risk.score}</strong>, level <strong>${risk.level}</strong>.</p>
${risk.signals.length === 0
    ? html`<p class="muted">No risk signal was found.</p>`
    : html`<table class="admin-table" data-signals><thead><tr><th scope="col">Signal</th><th scope="col">Weight</th><th scope="col">Evidence</th></tr></thead><tbody>
${risk.signals.map((signal) => html`<tr data-signal="${signal.code}"><td><code>${signal.code}</code>${signal.description && html`<br><span class="muted">${signal.description}</span>`}</td><td>+${signal.weight}</td><td>${Object.keys(signal.evidence).length === 0 ? '—' : evidenceList(signal.evidence)}</td></tr>`)}
</tbody></table>`}
${risk.failed.length > 0 && html`<p>Signals that could not run (they added nothing):</p><ul>${risk.failed.map((failure) => html`<li><code>${failure.code}</code>: ${failure.message}</li>`)}</ul>`}
</section>`;
}

function challengeSection(record: ChallengeRecord | undefined, outcome: string, attempts: { used: number; max: number } | undefined, story: readonly AuditRecord[]): SafeHtml | false {
  if (outcome !== 'step_up') return false;
  if (!record) {
    return html`<section aria-labelledby="challenge-heading"><h2 id="challenge-heading">Challenge</h2>
<p class="muted" data-challenge="gone">The challenge is no longer kept: challenges are removed a day after they expire. The audit trail below still tells its story.</p></section>`;
  }
  const { challenge, receiptJti } = record;
  const satisfied = story.find((event) => event.type === 'step_up_satisfied');
  const method = satisfied?.details?.method;
  return html`<section aria-labelledby="challenge-heading" data-challenge-state="${challenge.state}">
<h2 id="challenge-heading">Challenge</h2>
<dl class="admin-fields">
<dt>Id</dt><dd><code>${challenge.id}</code></dd>
<dt>State</dt><dd><span class="state challenge-${challenge.state}">${challenge.state}</span></dd>
<dt>Asked for</dt><dd>${requirementSummary(challenge.requirement)}</dd>
<dt>Opened</dt><dd>${formatSeconds(challenge.createdAt)}</dd>
<dt>Expires</dt><dd>${formatSeconds(challenge.expiresAt)}</dd>
${attempts && html`<dt>Wrong answers</dt><dd data-attempts="${attempts.used}">${attempts.used} of ${attempts.max} allowed</dd>`}
${challenge.state === 'satisfied' && html`<dt>Satisfied</dt><dd>${formatSeconds(challenge.satisfiedAt)}${typeof method === 'string' && html` with <code data-method>${method}</code>`}</dd>
<dt>Proof</dt><dd><code>${challenge.proof?.acr ?? '—'}</code>, amr <code>${proofAmr(challenge.proof)}</code>${challenge.proof?.authTime !== undefined && html`, authenticated ${formatSeconds(challenge.proof.authTime)}`}</dd>
<dt>Receipt</dt><dd>jti <code data-receipt-jti>${receiptJti ?? '—'}</code> <span class="muted">(the receipt itself is never shown)</span></dd>`}
</dl>
</section>`;
}

function storySection(story: readonly AuditRecord[]): SafeHtml {
  return html`<section aria-labelledby="story-heading">
<h2 id="story-heading">Audit trail</h2>
${story.length === 0
    ? html`<p class="muted">No audit event names this decision.</p>`
    : html`<table class="admin-table" data-story><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Method</th><th scope="col">Outcome</th></tr></thead><tbody>
${story.map((event) => html`<tr data-event-type="${event.type}"><td><a href="/admin/events/${event.seq}">${formatMillis(event.at)}</a></td><td><code>${event.type}</code></td><td>${typeof event.details?.method === 'string' ? html`<code>${event.details.method}</code>` : '—'}</td><td>${event.outcome ?? '—'}</td></tr>`)}
</tbody></table>`}
</section>`;
}

/** What the decision explorer shows. */
export interface DecisionExplorerView {
  readonly decision: DecisionRecord;
  readonly challenge?: ChallengeRecord | undefined;
  /** Wrong answers counted against the challenge, and the limit. */
  readonly attempts?: { readonly used: number; readonly max: number } | undefined;
  /** Audit events of the decision and its challenge, oldest first. */
  readonly story: readonly AuditRecord[];
  /** The configured detail types, to word a bound transaction. */
  readonly detailTypes: DetailTypes;
}

/**
 * One decision explained: what the policy was asked (action, resource,
 * context, the caller's token), every reason in the order found (rules
 * with their requirement, rule errors, the default, risk signals with
 * weight and evidence, the proof judgement), the requirement that
 * resulted, and for a step-up its challenge (state, wrong answers, the
 * method that satisfied it and when, the receipt's jti) and the bound
 * transaction in the words the user saw.
 *
 * @param view - the decision, its challenge and its audit trail
 * @example
 * ```ts
 * adminLayout({ title: 'Decision', section: 'decisions', admin }, decisionExplorer({ decision, challenge, story, detailTypes }));
 * ```
 */
export function decisionExplorer(view: DecisionExplorerView): SafeHtml {
  const { decision } = view;
  const input = inputOf(decision.input);
  const requirement = asRequirement(decision.requirement);
  const reasons = asReasons(decision.reasons);
  const details = asDetails(input.authorization_details);
  return html`<p><a href="/admin/decisions">All decisions</a></p>
<h1>Decision <code>${decision.id}</code></h1>
<dl class="admin-fields" data-decision="${decision.id}">
<dt>Outcome</dt><dd>${outcomeBadge(decision.outcome)}</dd>
<dt>When</dt><dd>${formatSeconds(decision.createdAt)}</dd>
<dt>Subject</dt><dd>${who(decision)} <code>${decision.subject}</code></dd>
<dt>Action</dt><dd><code>${decision.action}</code></dd>
<dt>API key</dt><dd>${decision.apiKeyName ?? '—'}</dd>
<dt>Requirement</dt><dd data-requirement>${requirement ? requirementSummary(requirement) : '—'}</dd>
</dl>
<section aria-labelledby="input-heading">
<h2 id="input-heading">Input: what the policy saw</h2>
<dl class="admin-fields">
<dt>Resource</dt><dd>${jsonBlock(input.resource)}</dd>
<dt>Context</dt><dd>${jsonBlock(input.context)}</dd>
<dt>Caller's token</dt><dd>${jsonBlock(input.session)}${typeof input.session.auth_time === 'number' && html`<span class="muted">authenticated ${formatSeconds(input.session.auth_time)}</span>`}</dd>
<dt>Client</dt><dd>${typeof input.client === 'string' ? html`<code>${input.client}</code>` : '—'}</dd>
</dl>
</section>
<section aria-labelledby="reasons-heading">
<h2 id="reasons-heading">Reasons, in the order they were found</h2>
${reasons.length === 0 ? html`<p class="muted">No reason was stored.</p>` : html`<ol class="reasons" data-reasons>${reasons.map(reasonItem)}</ol>`}
</section>
${riskSection(asRisk(decision.risk))}
${challengeSection(view.challenge, decision.outcome, view.attempts, view.story)}
${details && html`<section aria-labelledby="transaction-heading" data-bound-transaction>
<h2 id="transaction-heading">Bound transaction</h2>
<p class="muted">The decision was bound to these authorization_details; the step-up page showed them to the user like this:</p>
${transactionSummary(details, view.detailTypes)}
</section>`}
${storySection(view.story)}`;
}
