// The policy playground: in development (demo or outbox on) an operator
// pastes a policy input and reads the decision of the policy in force, its
// requirement and every reason, as a page or as JSON. What must not happen:
// the page existing on a server with both off, a form post without its
// CSRF token being evaluated, pasted text reaching the page unescaped, or
// bad input giving anything but a 400 naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ISSUE_POLICY } from './support/decision-kit.js';
import { startTestServer, type TestServer } from './support/harness.js';

const POLICY = ISSUE_POLICY;

interface DecisionJson {
  decision: string;
  requirement: { acr: string; max_age?: number; methods?: string[] };
  rules: string[];
  reasons: { kind: string; rule?: string; met?: boolean; reason?: string }[];
}

describe('the policy playground, in development', () => {
  let server: TestServer;
  const now = () => server.server.services.now();

  before(async () => {
    server = await startTestServer({ overrides: { policy: POLICY } });
  });
  after(async () => server?.destroy());

  function postJson(input: unknown) {
    return server.server.app.inject({
      method: 'POST', url: '/playground', headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: JSON.stringify(input),
    });
  }

  async function formSession(): Promise<{ cookie: string; token: string }> {
    const page = await server.server.app.inject({ url: '/playground', headers: { accept: 'text/html' } });
    const cookie = [page.headers['set-cookie']].flat().find((line) => line?.startsWith('stepwise_csrf='))!.split(';')[0]!;
    return { cookie, token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }

  function postForm(fields: Record<string, string>, cookie?: string) {
    return server.server.app.inject({
      method: 'POST', url: '/playground',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  test('GET shows the form with a sample input, a CSRF field, the development notice, and no script', async () => {
    const page = await server.server.app.inject({ url: '/playground', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /<h1>Policy playground<\/h1>/);
    assert.match(page.body, /For development only/);
    assert.match(page.body, /<form method="post" action="\/playground"><input type="hidden" name="_csrf" value="[^"]+">/);
    assert.match(page.body, /<textarea[^>]*name="input"[^>]*>\{\n {2}&quot;action&quot;: &quot;transfer\.create&quot;/);
    assert.doesNotMatch(page.body, /<script/i);
  });

  test('JSON: a large transfer on a password session steps up to aal2 within 5 minutes, for the rule that says so', async () => {
    const answer = await postJson({
      action: 'transfer.create', resource: { amount: 5000 }, subject: { id: 'alice' },
      risk: { level: 'low', score: 0, codes: [] }, session: { acr: 'aal1', amr: ['pwd'], auth_time: now() - 60 },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json<DecisionJson>();
    assert.equal(body.decision, 'step_up');
    assert.deepEqual(body.requirement, { acr: 'aal2', max_age: 300 });
    assert.deepEqual(body.rules, ['large-transfer']);
    assert.deepEqual(body.reasons.map((reason) => reason.kind), ['rule', 'proof']);
    assert.deepEqual((body.reasons[0] as { requirement?: unknown }).requirement, { acr: 'aal2', max_age: 300 });
    assert.equal(body.reasons[1]!.reason, 'level_too_low');
  });

  test('JSON: a fresh aal2 session is allowed; a blocked network is denied whatever the session', async () => {
    const fresh = await postJson({
      action: 'transfer.create', resource: { amount: 5000 }, subject: { id: 'alice' },
      session: { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: now() - 10 },
    });
    assert.equal(fresh.json<DecisionJson>().decision, 'allow');
    const blocked = await postJson({
      action: 'transfer.create', resource: { amount: 5 }, subject: { id: 'alice' },
      risk: { level: 'medium', score: 40, codes: ['untrusted_ip'] }, session: { acr: 'aal3', amr: ['hwk'], auth_time: now() },
    });
    const body = blocked.json<DecisionJson>();
    assert.equal(body.decision, 'deny');
    assert.deepEqual(body.rules, ['blocked-network']);
    assert.ok(body.reasons.some((reason) => reason.kind === 'risk'), 'the risk code is a reason');
  });

  test('the form: with its CSRF token, the page shows the decision, requirement, rules and reasons, escaped', async () => {
    const { cookie, token } = await formSession();
    const input = JSON.stringify({ action: 'account.email.change', resource: { note: '<img src=x onerror=alert(1)>' }, subject: { id: 'alice' } });
    const page = await postForm({ _csrf: token, input }, cookie);
    assert.equal(page.statusCode, 200, page.body.slice(0, 500));
    assert.match(page.body, /<section class="playground-result" data-decision="step_up">/);
    assert.match(page.body, /<dt>Requirement<\/dt><dd><code>aal2 max_age=300 methods=phishing_resistant<\/code><\/dd>/);
    assert.match(page.body, /<dt>Rules matched<\/dt><dd><code>account-changes<\/code><\/dd>/);
    assert.match(page.body, /<li data-kind="rule">rule account-changes requires aal2 max_age=300 methods=phishing_resistant<\/li>/);
    assert.match(page.body, /<li data-kind="proof">the token does not meet the requirement: no token proves an authentication<\/li>/);
    assert.doesNotMatch(page.body, /<img src=x/);
    assert.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  test('a form post without its CSRF token is refused with ERR_CSRF and evaluates nothing', async () => {
    const page = await postForm({ input: JSON.stringify({ action: 'login' }) });
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /data-error-code="ERR_CSRF"/);
    assert.doesNotMatch(page.body, /playground-result/);
  });

  test('bad input is a 400 naming the field: not JSON (the text is kept in the form), no action, a bad risk level', async () => {
    const { cookie, token } = await formSession();
    const page = await postForm({ _csrf: token, input: '{"action": "login",' }, cookie);
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /data-error-code="ERR_VALIDATION">input: is not JSON/);
    assert.match(page.body, /<textarea[^>]*>\{&quot;action&quot;: &quot;login&quot;,<\/textarea>/);

    const noAction = await postJson({ resource: {} });
    assert.equal(noAction.statusCode, 400);
    assert.deepEqual([noAction.json<{ error: string }>().error, noAction.json<{ field: string }>().field], ['ERR_VALIDATION', 'input.action']);
    const badRisk = await postJson({ action: 'login', risk: { level: 'severe' } });
    assert.equal(badRisk.json<{ field: string }>().field, 'input.risk.level');
    const notObject = await postJson(['login']);
    assert.equal(notObject.statusCode, 400);
  });
});

describe('the policy playground, in production (demo and outbox off)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ overrides: { demo: false, outbox: false } });
  });
  after(async () => server?.destroy());

  test('GET and POST are 404 ERR_NOT_FOUND, as a page and as JSON', async () => {
    const page = await server.server.app.inject({ url: '/playground', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /data-error-code="ERR_NOT_FOUND"/);
    const json = await server.server.app.inject({
      method: 'POST', url: '/playground', headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: '{"action":"login"}',
    });
    assert.equal(json.statusCode, 404);
    assert.equal(json.json<{ error: string }>().error, 'ERR_NOT_FOUND');
    const form = await server.server.app.inject({
      method: 'POST', url: '/playground', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'input=%7B%7D',
    });
    assert.equal(form.statusCode, 404, 'not a CSRF error: the page does not exist');
  });
});
