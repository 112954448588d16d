import type { DecisionOutcome, DecisionReason, Requirement } from '@stepwise/core';
import { reasonText, requirementText } from '../../policy/describe-decision.js';
import { html } from '../html.js';
import { csrfField, layout, message, type PageError } from './layout.js';

/** What the policy in force gave for the pasted input. */
export interface PlaygroundResult {
  readonly decision: DecisionOutcome;
  readonly requirement: Requirement;
  readonly rules: readonly string[];
  readonly reasons: readonly DecisionReason[];
}

/** The playground form, and the result of the last evaluation when there is one. */
export interface PlaygroundView {
  readonly csrfToken: string;
  /** The JSON in the text area. */
  readonly input: string;
  readonly result?: PlaygroundResult | undefined;
  readonly error?: PageError | undefined;
}

const DECISION_WORDS: Readonly<Record<DecisionOutcome, string>> = {
  allow: 'Allow',
  step_up: 'Step up',
  deny: 'Deny',
};

/**
 * The policy playground: paste a policy input as JSON, see the decision of
 * the policy in force, its requirement and every reason. Development only
 * (demo or outbox on); nothing is stored and no step-up is started. No
 * script: the form posts and the page comes back with the result.
 *
 * @param view - the form's content, the result or the error
 * @example
 * ```ts
 * sendPage(reply, 200, renderPlaygroundPage({ csrfToken: reply.generateCsrf(), input: sample }));
 * ```
 */
export function renderPlaygroundPage(view: PlaygroundView): string {
  const { result } = view;
  return layout(
    { title: 'Policy playground' },
    html`<h1>Policy playground</h1>
<p class="error" role="note">For development only: this page exists while <code>demo</code> or <code>outbox</code> is on, and is a 404 otherwise. In production the admin console hosts it.</p>
<p class="muted">Paste a policy input as JSON: <code>action</code>, <code>resource</code>, <code>subject</code>, <code>context</code>, <code>risk</code> (<code>level</code>, <code>score</code>, <code>codes</code>), <code>session</code> (<code>acr</code>, <code>amr</code>, <code>auth_time</code> in seconds since the epoch; it is judged as the caller's token) and <code>client</code>. The risk is used as given; no signal runs, nothing is stored, no step-up starts.</p>
${message('error', view.error)}
<form method="post" action="/playground">${csrfField(view.csrfToken)}
<label for="playground-input">Policy input (JSON)</label>
<textarea id="playground-input" name="input" rows="16" cols="72" spellcheck="false" required>${view.input}</textarea>
<button type="submit">Evaluate</button>
</form>
${result && html`<section class="playground-result" data-decision="${result.decision}">
<h2>Decision: ${DECISION_WORDS[result.decision]}</h2>
<dl>
<dt>Decision</dt><dd><code>${result.decision}</code></dd>
<dt>Requirement</dt><dd><code>${requirementText(result.requirement)}</code></dd>
<dt>Rules matched</dt><dd>${result.rules.length === 0 ? 'none' : result.rules.map((rule, index) => html`${index > 0 && ', '}<code>${rule}</code>`)}</dd>
</dl>
<h3>Reasons</h3>
<ol class="reasons">
${result.reasons.map((reason) => html`<li data-kind="${reason.kind}">${reasonText(reason)}</li>`)}
</ol>
</section>`}`,
  );
}
