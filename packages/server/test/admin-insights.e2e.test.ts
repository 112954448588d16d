// End to end in a real headless Chromium: an admin signs in with the
// password and the authenticator app, lands on the explorer of a bound,
// approved transfer, follows the nav to the charts (two weeks of seeded
// decisions and answers) and to the policy page, where a pasted policy
// with a broken condition is refused with its path and line. The browser
// must parse every chart as SVG, the page must run without a script or a
// CSP violation, and the table under each chart must hold the drawn
// numbers. Screenshots go to test-output/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { apiKeys, DEMO_USER, epochSeconds } from '../src/index.js';
import { insertDecision } from '../src/storage/decisions.js';
import { ADMIN, addAdmin, adminAtAal2 } from './support/admin-kit.js';
import { withChromium } from './support/chromium.js';
import { approveBoundTransfer, ISSUE_POLICY } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { enrollTotp, signIn, stepWithMargin, userIdOf } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

function outputPath(file: string): string {
  const dir = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${file}`;
}

const DAY = 86_400;
const RULES = [['large-transfer', 'aal2', 300], ['account-changes', 'aal2', 300], ['risky-context', 'aal2', 0]] as const;
const SIGNALS = ['new_device', 'new_country', 'unusual_hour', 'failed_attempts'];

/** Two weeks of decisions and step-up answers, so the charts have something to draw. */
async function seedHistory(server: TestServer, subject: string): Promise<void> {
  const now = epochSeconds();
  let n = 0;
  for (let daysAgo = 13; daysAgo >= 1; daysAgo -= 1) {
    for (let index = 0; index < 2 + ((daysAgo * 7) % 5); index += 1) {
      n += 1;
      const [rule, acr, maxAge] = RULES[(daysAgo + index) % RULES.length]!;
      const outcome = index % 4 === 3 ? 'allow' : index % 7 === 5 ? 'deny' : 'step_up';
      const signals = SIGNALS.slice(0, (daysAgo + index) % 3).map((code) => ({ code, weight: 20, evidence: {} }));
      await insertDecision(server.server.database.db, {
        id: `dec_seed${n}`, apiKeyId: null, subject, action: 'transfer.create', outcome,
        requirement: { acr, maxAge }, risk: { score: signals.length * 20, level: 'low', signals, failed: [] },
        reasons: [{ kind: 'rule', rule, effect: 'require', requirement: { acr, maxAge } }, { kind: 'proof', met: outcome === 'allow' }],
        input: { resource: { amount: 1000 + n }, context: {}, session: {}, client: 'bank-backend' }, createdAt: now - daysAgo * DAY - index * 60,
      });
      const method = ['totp', 'webauthn', 'email_otp'][n % 3]!;
      const type = n % 5 === 0 ? 'step_up_failed' : 'step_up_satisfied';
      await server.server.services.audit.record({
        type, at: (now - daysAgo * DAY) * 1000, subject, actor: `user:${subject}`, outcome: type === 'step_up_failed' ? 'ERR_CODE_INVALID' : 'satisfied',
        details: { surface: 'challenge', method },
      });
    }
  }
  await server.server.services.audit.flush();
}

test('an admin explores a decision, reads the charts and checks a policy', async () => {
  await withChromium(async ({ server, page }) => {
    const problems: string[] = [];
    page.on('console', (entry) => {
      // The favicon's 404 and the refused policy's 400 are answers, not problems of the page.
      if (entry.type() === 'error' && !entry.text().startsWith('Failed to load resource')) problems.push(entry.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    const created = await apiKeys.createApiKey(server.server.database.db, { name: 'bank-backend', returnTo: [] }, epochSeconds());
    const subject = await userIdOf(server, DEMO_USER.username);
    const totp = await enrollTotp((await signIn(server)).browser, server.issuer, await stepWithMargin(20));
    const bound = await approveBoundTransfer(server, { key: created.key, subject, totp });
    await seedHistory(server, subject);
    await addAdmin(server);
    const enrolled = await adminAtAal2(server);

    await page.goto(`${server.issuer}/admin/decisions/${bound.decisionId}`);
    await page.waitForURL(/\/login\?return_to=/);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/step-up\?return_to=/), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    await page.fill('#code', totpForStep(enrolled.secret, enrolled.step + 1));
    await Promise.all([page.waitForURL(new RegExp(`/admin/decisions/${bound.decisionId}$`)), page.getByRole('button', { name: 'Verify' }).click()]);

    assert.equal(await page.getAttribute('nav.admin-nav a[aria-current="page"]', 'href'), '/admin/decisions');
    assert.equal(await page.locator('[data-transaction-summary]').innerText(), 'Pay 5,000.00 EUR to ACME');
    assert.equal(await page.locator('[data-challenge-state]').getAttribute('data-challenge-state'), 'satisfied');
    assert.equal(await page.locator('code[data-method]').innerText(), 'totp');
    await page.screenshot({ path: outputPath('admin-decision-explorer.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/admin\/charts$/), page.getByRole('link', { name: 'Charts' }).click()]);
    assert.equal(await page.locator('figure.chart-figure').count(), 4);
    const parsed = await page.evaluate(() => Array.from(document.querySelectorAll('figure.chart-figure svg')).map((svg) => {
      const doc = new DOMParser().parseFromString(svg.outerHTML, 'image/svg+xml');
      const box = svg.getBoundingClientRect();
      return { ok: doc.getElementsByTagName('parsererror').length === 0, width: box.width, height: box.height };
    }));
    for (const chart of parsed) {
      assert.ok(chart.ok, 'Chromium parses the chart as SVG');
      assert.ok(chart.width > 300 && chart.height > 100, `the chart is drawn (${chart.width}×${chart.height})`);
    }
    const agree = await page.evaluate(() => Array.from(document.querySelectorAll('figure.chart-figure')).every((figure) => {
      const cells = Array.from(figure.querySelectorAll('td[data-value]')).filter((cell) => cell.getAttribute('data-value') !== '0');
      return cells.every((cell) => figure.querySelector(`svg [data-series="${CSS.escape(cell.getAttribute('data-series')!)}"][data-category="${CSS.escape(cell.getAttribute('data-category')!)}"][data-value="${cell.getAttribute('data-value')}"]`) !== null);
    }));
    assert.ok(agree, 'every non-zero number of each table is drawn');
    assert.ok(Number(await page.locator('#chart-step-ups-by-rule-table td[data-series="large-transfer"]').first().getAttribute('data-value')) >= 0);
    await page.screenshot({ path: outputPath('admin-charts.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/admin\/policy$/), page.getByRole('link', { name: 'Policy' }).click()]);
    assert.equal(await page.locator('[data-policy-in-force] tr[data-rule]').count(), ISSUE_POLICY.rules.length);
    await page.fill('#policy-text', 'policy:\n  rules:\n    - name: weekend-transfers\n      when: action == "transfer.create" &&\n      require: { acr: aal2, max_age: 5m }\n');
    await Promise.all([page.waitForURL(/\/admin\/policy\/validate#validate$/), page.getByRole('button', { name: 'Check' }).click()]);
    const error = page.locator('[data-error-code="ERR_POLICY_INVALID"]');
    assert.equal(await error.getAttribute('data-path'), 'rules[0].when');
    assert.equal(await error.getAttribute('data-line'), '4');
    await page.screenshot({ path: outputPath('admin-policy.png'), fullPage: true });

    assert.deepEqual(problems, [], 'no script error or CSP violation');
  }, { policy: ISSUE_POLICY });
});
