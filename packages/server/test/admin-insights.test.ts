// The console's insights over real HTTP with an admin session: the
// decision list and its filters, the decision explorer (input, reasons,
// risk, the challenge and what satisfied it, the bound transaction) and
// the charts. What must not happen: a page for anyone but an admin at the
// console's level, a receipt on a page (only its jti), a bad filter or id
// giving anything but a 4xx, text from a decision reaching the page
// unescaped, or a chart whose table disagrees with what was decided.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { addAdmin, adminAtAal2, type AdminBrowser } from './support/admin-kit.js';
import type { Page } from './support/browser.js';
import { approveBoundTransfer, callApi, passwordIdToken, startDecisionServerWithTotp } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { DEMO, errorCodeIn, send, signIn } from './support/threat-kit.js';
import type { Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('admin insights: decisions and charts', () => {
  let server: TestServer;
  let admin: AdminBrowser;
  let key = '';
  let subject = '';
  let totp: Enrolled;
  let bound: { decisionId: string; challengeId: string; receipt: string };
  let allowedId = '';
  let failedChallengeDecision = '';
  const url = (path: string) => `${server.issuer}${path}`;
  const page = (path: string): Promise<Page> => admin.browser.go(url(path));

  before(async () => {
    const started = await startDecisionServerWithTotp();
    ({ server, key, subject, totp } = started);
    await addAdmin(server);
    admin = await adminAtAal2(server);
    bound = await approveBoundTransfer(server, { key, subject, totp });
    const allowed = await callApi(server, '/v1/decisions', {
      key, body: { subject, action: 'transfer.create', resource: { amount: 10, note: '<img src=x onerror=alert(1)>' }, token: await passwordIdToken(server) },
    });
    assert.equal(allowed.body.decision, 'allow');
    allowedId = String(allowed.body.decision_id);
    const stepUp = await callApi(server, '/v1/decisions', { key, body: { subject, action: 'transfer.create', resource: { amount: 2000 } } });
    assert.equal(stepUp.body.decision, 'step_up');
    failedChallengeDecision = String(stepUp.body.decision_id);
    const challengeId = (stepUp.body.challenge as { id: string }).id;
    const wrong = totpForStep(totp.secret, totp.step + 1) === '000000' ? '111111' : '000000';
    const refused = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key, body: { method: 'totp', code: wrong } });
    assert.equal(refused.status, 400);
    await server.server.services.audit.flush();
  });
  after(async () => server?.destroy());

  test('only an admin at the console level sees them', async () => {
    for (const path of ['/admin/decisions', `/admin/decisions/${bound.decisionId}`, '/admin/charts']) {
      const signedOut = await send(url(path), { accept: 'text/html' });
      assert.equal(signedOut.status, 303, path);
      assert.equal(signedOut.headers.get('location'), `/login?return_to=${encodeURIComponent(path)}`);
      const user = await signIn(server, DEMO);
      const refused = await send(url(path), { browser: user.browser, accept: 'text/html' });
      assert.equal(refused.status, 403, path);
      assert.equal(errorCodeIn(refused), 'ERR_ADMIN_REQUIRED');
    }
  });

  test('the list shows every decision, newest first, and filters by outcome, subject and action prefix', async () => {
    const all = await page('/admin/decisions');
    assert.equal(all.status, 200);
    assert.match(all.body, /<a href="\/admin\/decisions" aria-current="page">Decisions<\/a>/);
    const ids = [...all.body.matchAll(/<tr data-decision-id="([^"]+)"/g)].map((match) => match[1]);
    assert.deepEqual(ids.length, 3);
    assert.ok(ids.includes(bound.decisionId) && ids.includes(allowedId) && ids.includes(failedChallengeDecision));
    assert.doesNotMatch(all.body, /<script/i);

    const stepUps = await page('/admin/decisions?outcome=step_up');
    assert.deepEqual([...stepUps.body.matchAll(/<tr data-decision-id="([^"]+)"/g)].map((match) => match[1]).sort(), [bound.decisionId, failedChallengeDecision].sort());
    assert.match(stepUps.body, /<option value="step_up" selected>/);

    for (const subjectFilter of [DEMO.username, DEMO.username.toUpperCase(), subject]) {
      const bySubject = await page(`/admin/decisions?subject=${encodeURIComponent(subjectFilter)}&action=transfer.`);
      assert.equal([...bySubject.body.matchAll(/<tr data-decision-id=/g)].length, 3, subjectFilter);
    }
    const none = await page('/admin/decisions?action=account.');
    assert.match(none.body, /data-empty/);
    const other = await page('/admin/decisions?subject=nobody');
    assert.match(other.body, /No decision matches/);
  });

  test('bad filters and ids are 4xx with stable codes', async () => {
    for (const path of ['/admin/decisions?outcome=maybe', '/admin/decisions?page=0', '/admin/decisions?page=abc', `/admin/decisions?subject=${'x'.repeat(300)}`, '/admin/decisions/not-a-decision']) {
      const answer = await page(path);
      assert.equal(answer.status, 400, path);
      assert.equal(/data-error-code="([^"]+)"/.exec(answer.body)?.[1], 'ERR_VALIDATION', path);
    }
    const missing = await page('/admin/decisions/dec_doesnotexist');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /data-error-code="ERR_NOT_FOUND"/);
  });

  test('the explorer of a bound, satisfied step-up: input, reasons, requirement, challenge, method, jti, transaction, trail', async () => {
    const explorer = await page(`/admin/decisions/${bound.decisionId}`);
    assert.equal(explorer.status, 200);
    const { body } = explorer;
    assert.match(body, /data-outcome="step_up"/);
    assert.match(body, /<li data-kind="rule" data-effect="require">Rule <code>large-transfer<\/code> matched and requires <code>aal2 max_age=300<\/code>/);
    assert.match(body, /<li data-kind="proof" data-met="false">/);
    assert.match(body, /<dd data-requirement><code>aal2 max_age=300<\/code>/);
    assert.match(body, /&quot;amount&quot;: 5000/, 'the resource the policy saw');
    assert.match(body, /&quot;acr&quot;: &quot;aal1&quot;/, "the caller's token");
    assert.match(body, /data-challenge-state="satisfied"/);
    assert.match(body, new RegExp(`<code>${bound.challengeId}</code>`));
    assert.match(body, /with <code data-method>totp<\/code>/);
    const jti = decodeJwt(bound.receipt).jti!;
    assert.match(body, new RegExp(`<code data-receipt-jti>${jti}</code>`));
    assert.ok(!body.includes(bound.receipt), 'the receipt itself is never on the page');
    assert.ok(!body.includes(bound.receipt.split('.')[1]!), 'not even its payload');
    assert.match(body, /data-bound-transaction/);
    assert.match(body, /<p class="summary" data-transaction-summary>Pay 5,000\.00 EUR to ACME<\/p>/);
    const trail = [...body.matchAll(/<tr data-event-type="([^"]+)"/g)].map((match) => match[1]);
    assert.deepEqual(trail, ['decision', 'step_up_asked', 'step_up_satisfied']);
  });

  test('the explorer of a step-up answered wrong once counts the attempt; an allow shows no challenge and escapes its input', async () => {
    const failed = await page(`/admin/decisions/${failedChallengeDecision}`);
    assert.match(failed.body, /data-challenge-state="pending"/);
    assert.match(failed.body, /<dd data-attempts="1">1 of 5 allowed<\/dd>/);
    assert.match(failed.body, /<tr data-event-type="step_up_failed">/);
    assert.doesNotMatch(failed.body, /data-bound-transaction/);

    const allowed = await page(`/admin/decisions/${allowedId}`);
    assert.match(allowed.body, /data-outcome="allow"/);
    assert.match(allowed.body, /<li data-kind="default">/);
    assert.match(allowed.body, /<li data-kind="proof" data-met="true">/);
    assert.doesNotMatch(allowed.body, /data-challenge/);
    assert.doesNotMatch(allowed.body, /<img/);
    assert.match(allowed.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  test('charts: four figures whose tables hold what was decided and answered', async () => {
    const charts = await page('/admin/charts');
    assert.equal(charts.status, 200);
    assert.equal([...charts.body.matchAll(/<figure class="chart-figure"/g)].length, 4);
    assert.equal([...charts.body.matchAll(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g)].length, 4);
    assert.doesNotMatch(charts.body, /<script/i);
    const today = new Date(server.server.services.now() * 1000).toISOString().slice(5, 10);
    const cell = (chart: string, series: string, category: string) => {
      const table = new RegExp(`<table class="chart-table admin-table" id="${chart}-table"[\\s\\S]*?</table>`).exec(charts.body)?.[0] ?? '';
      return Number(new RegExp(`data-series="${series}" data-category="${category}" data-value="(\\d+)"`).exec(table)?.[1] ?? 'NaN');
    };
    assert.equal(cell('chart-step-ups-by-rule', 'large-transfer', today), 2);
    assert.equal(cell('chart-decisions-per-day', 'allow', today), 1);
    assert.equal(cell('chart-decisions-per-day', 'step_up', today), 2);
    assert.equal(cell('chart-decisions-per-day', 'deny', today), 0);
    assert.equal(cell('chart-answers-by-method', 'satisfied', 'totp'), 1);
    assert.equal(cell('chart-answers-by-method', 'failed', 'totp'), 1);
    // The same numbers are drawn: a bar for each non-zero cell of the step-up chart.
    assert.match(charts.body, new RegExp(`<rect [^>]*data-series="large-transfer" data-category="${today}" data-value="2"`));
  });
});
