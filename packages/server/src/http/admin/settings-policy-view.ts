import type { CompiledPolicy, DecisionOutcome, Requirement } from '@stepwise/core';
import { reasonText } from '../../policy/describe-decision.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, message, type PageError } from '../pages/layout.js';
import type { PlaygroundResult } from '../pages/playground-page.js';
import { formatMillis } from './admin-format.js';
import { requirementSummary } from './insight-decision-read.js';
import type { PolicyCheck } from './settings-policy-check.js';

/** When the policy in force was loaded, as far as the server knows. */
export interface PolicyOrigin {
  /** The configuration file it is read from and watched in, or `null` (no file: overrides or the default). */
  readonly file: string | null;
  /** The last successful `policy_reloaded` audit event since this process started: epoch ms and its sequence number. */
  readonly reloaded?: { readonly at: number; readonly seq: number } | undefined;
  /** A refused reload newer than that: the file was changed but the policy in force stayed. */
  readonly refused?: { readonly at: number; readonly seq: number; readonly code: string } | undefined;
}

/** What the policy page shows. */
export interface PolicyPageView {
  readonly policy: CompiledPolicy;
  readonly origin: PolicyOrigin;
  readonly csrfToken: string;
  /** The validate form's text, and what checking it found. */
  readonly check?: { readonly text: string; readonly result?: PolicyCheck | undefined; readonly error?: PageError | undefined } | undefined;
  /** The playground form's text, and its result or error. */
  readonly playground: { readonly text: string; readonly result?: PlaygroundResult | undefined; readonly error?: PageError | undefined };
}

const DECISION_WORDS: Readonly<Record<DecisionOutcome, string>> = { allow: 'Allow', step_up: 'Step up', deny: 'Deny' };

function requirementWords(requirement: Requirement): SafeHtml {
  return requirementSummary(requirement);
}

/**
 * A policy's rules, default and per-client defaults, as tables.
 *
 * @param policy - a compiled policy (in force, or just checked)
 * @param idPrefix - keeps heading ids unique when two policies share a page
 * @example
 * ```ts
 * html`<section>${policyTables(services.policies.current(), 'in-force')}</section>`;
 * ```
 */
export function policyTables(policy: CompiledPolicy, idPrefix: string): SafeHtml {
  const { definition } = policy;
  const clients = Object.entries(definition.clients ?? {});
  return html`<dl class="admin-fields">
<dt>Default</dt><dd data-policy-default>${requirementWords(definition.default)} <span class="muted">when no rule matches</span></dd>
</dl>
<h3 id="${idPrefix}-rules">Rules (${policy.rules.length})</h3>
${policy.rules.length === 0
    ? html`<p class="muted">No rules: the default applies to everything.</p>`
    : html`<table class="admin-table" data-policy-rules aria-labelledby="${idPrefix}-rules"><thead><tr><th scope="col">#</th><th scope="col">Rule</th><th scope="col">When</th><th scope="col">Then</th></tr></thead><tbody>
${policy.rules.map((rule) => html`<tr data-rule="${rule.name}"><td>${rule.index + 1}</td><td><code>${rule.name}</code>${rule.description && html`<br><span class="muted">${rule.description}</span>`}</td><td><code>${rule.when}</code></td><td>${rule.deny ? html`<strong>deny</strong>` : rule.require && html`require ${requirementWords(rule.require)}`}</td></tr>`)}
</tbody></table>`}
<h3 id="${idPrefix}-clients">Per-client defaults</h3>
${clients.length === 0
    ? html`<p class="muted">None: every client gets the default.</p>`
    : html`<table class="admin-table" data-policy-clients aria-labelledby="${idPrefix}-clients"><thead><tr><th scope="col">Client</th><th scope="col">Default</th></tr></thead><tbody>
${clients.map(([client, requirement]) => html`<tr><td><code>${client}</code></td><td>${requirementWords(requirement)}</td></tr>`)}
</tbody></table>`}`;
}

function originText(origin: PolicyOrigin): SafeHtml {
  if (origin.file === null) return html`<p class="muted" data-policy-origin="start">Loaded when the server started, from settings without a configuration file; it changes only with a restart.</p>`;
  const reloaded = origin.reloaded
    ? html` Last reloaded <a href="/admin/events/${origin.reloaded.seq}">${formatMillis(origin.reloaded.at)}</a>.`
    : ' Not reloaded since the server started.';
  return html`<p class="muted" data-policy-origin="${origin.reloaded ? 'reloaded' : 'start'}">Read from <code>${origin.file}</code> when the server started, and again each time the file changes (a policy with an error is refused and the previous one stays).${reloaded}</p>
${origin.refused && html`<p class="error" role="alert" data-policy-refused="${origin.refused.code}">The file's last change was refused (<code>${origin.refused.code}</code>, <a href="/admin/events/${origin.refused.seq}">${formatMillis(origin.refused.at)}</a>): the policy below is still the one in force. Check the file's policy below to see why.</p>`}`;
}

function checkResult(result: PolicyCheck | undefined, file: string | null): SafeHtml | false {
  if (!result) return false;
  if (!result.valid) {
    return html`<div class="error" role="alert" data-error-code="ERR_POLICY_INVALID" data-path="${result.path}" data-line="${result.line ?? ''}">
<p><strong>Invalid.</strong> ${result.path === 'yaml' ? 'YAML syntax' : html`<code>${result.path}</code>`}${result.line !== undefined && html`, line ${result.line}`}: ${result.reason}</p></div>`;
  }
  return html`<div class="notice" role="status" data-policy-valid>
<p><strong>Valid</strong>: ${result.rules} rule${result.rules === 1 ? '' : 's'}, every condition compiled. Nothing was applied${file === null ? '' : html`: to apply it, put it in <code>${file}</code>, which the server reloads on save`}.</p></div>
<section aria-labelledby="checked-heading"><h3 id="checked-heading">The checked policy</h3>${policyTables(result.policy, 'checked')}</section>`;
}

function playgroundResult(result: PlaygroundResult | undefined): SafeHtml | false | undefined {
  return result && html`<section class="playground-result" data-decision="${result.decision}" aria-labelledby="playground-result-heading">
<h3 id="playground-result-heading">Decision: ${DECISION_WORDS[result.decision]}</h3>
<dl class="admin-fields">
<dt>Requirement</dt><dd>${requirementWords(result.requirement)}</dd>
<dt>Rules matched</dt><dd>${result.rules.length === 0 ? 'none' : result.rules.map((rule, index) => html`${index > 0 && ', '}<code>${rule}</code>`)}</dd>
</dl>
<ol class="reasons">${result.reasons.map((reason) => html`<li data-kind="${reason.kind}">${reasonText(reason)}</li>`)}</ol>
</section>`;
}

/**
 * The policy page: the policy in force (default, rules with their
 * conditions and requirements, per-client defaults) and when it was
 * loaded; a form that checks a pasted policy with the server's own loader
 * without applying it; and the playground, which evaluates an input under
 * the policy in force. Both forms post and come back; no script.
 *
 * @param view - the policy, its origin, the forms' content and results
 * @example
 * ```ts
 * adminLayout({ title: 'Policy', section: 'policy', admin }, policyPage({ policy, origin, csrfToken, playground: { text: sample } }));
 * ```
 */
export function policyPage(view: PolicyPageView): SafeHtml {
  return html`<h1>Policy</h1>
${originText(view.origin)}
<section aria-labelledby="in-force-heading" data-policy-in-force>
<h2 id="in-force-heading">In force</h2>
${policyTables(view.policy, 'in-force')}
</section>
<section id="validate" aria-labelledby="validate-heading">
<h2 id="validate-heading">Check a policy</h2>
<p class="muted">Paste a <code>policy:</code> section of stepwise.yaml (or the whole file), or the same as JSON. It is checked exactly as the server loads it, conditions compiled, and never applied.</p>
${message('error', view.check?.error)}
<form method="post" action="/admin/policy/validate#validate">${csrfField(view.csrfToken)}
<label for="policy-text">Policy (YAML or JSON)</label>
<textarea id="policy-text" name="policy" rows="14" cols="80" spellcheck="false" required>${view.check?.text ?? ''}</textarea>
<button type="submit">Check</button>
</form>
${checkResult(view.check?.result, view.origin.file)}
</section>
<section id="playground" aria-labelledby="playground-heading">
<h2 id="playground-heading">Playground</h2>
<p class="muted">Evaluate a policy input under the policy in force: <code>action</code>, <code>resource</code>, <code>subject</code>, <code>context</code>, <code>risk</code> (<code>level</code>, <code>score</code>, <code>codes</code>, used as given), <code>session</code> (<code>acr</code>, <code>amr</code>, <code>auth_time</code>, judged as the caller's token) and <code>client</code>. Nothing is stored and no step-up starts.</p>
${message('error', view.playground.error)}
<form method="post" action="/admin/policy/playground#playground">${csrfField(view.csrfToken)}
<label for="playground-input">Policy input (JSON)</label>
<textarea id="playground-input" name="input" rows="14" cols="80" spellcheck="false" required>${view.playground.text}</textarea>
<button type="submit">Evaluate</button>
</form>
${playgroundResult(view.playground.result)}
</section>`;
}
