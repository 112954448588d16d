// The console's settings over real HTTP with an admin session: the policy
// page (in force, check a pasted policy, the playground), signing keys
// (rotate), OIDC clients, API keys (create, revoke). What must not happen:
// a check that applies the policy, a change without its CSRF token, a
// change not in the audit log, a key's secret on any page but the one that
// created it (or in the log), a client secret on a page, or bad input
// giving anything but a 4xx with a stable code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clients, epochSeconds } from '../src/index.js';
import { listSigningKeys } from '../src/storage/signing-keys.js';
import { addAdmin, adminActions, adminAtAal2, type AdminBrowser } from './support/admin-kit.js';
import { errorCodeOf, formOf, type Page } from './support/browser.js';
import { callApi, ISSUE_POLICY } from './support/decision-kit.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { send, userIdOf, DEMO } from './support/threat-kit.js';

const BAD_POLICY = 'policy:\n  rules:\n    - name: broken\n      when: action ==\n      require: { acr: aal2 }\n';
const GOOD_POLICY = 'policy:\n  default: { acr: aal1 }\n  rules:\n    - name: everything\n      when: "true"\n      require: { acr: aal3 }\n';

describe('admin settings', () => {
  let server: TestServer;
  let admin: AdminBrowser;
  const url = (path: string) => `${server.issuer}${path}`;
  const page = (path: string): Promise<Page> => admin.browser.go(url(path));
  const post = async (from: string, action: string, values: Record<string, string>): Promise<Page> => {
    const form = await page(from);
    return admin.browser.submit(form, values, action);
  };

  before(async () => {
    server = await startTestServer({ overrides: { policy: ISSUE_POLICY } });
    await addAdmin(server);
    admin = await adminAtAal2(server);
    await clients.upsertClient(server.server.database.db, {
      client_id: 'bank-web', client_name: 'Bank <web>', redirect_uris: ['https://bank.example/cb', 'https://bank.example/cb2'],
      grant_types: ['authorization_code'], response_types: ['code'], client_secret: 'super-secret-client-value',
      token_endpoint_auth_method: 'client_secret_basic', require_pushed_authorization_requests: true,
      authorization_details_types: ['payment_initiation'],
    }, epochSeconds());
  });
  after(async () => server?.destroy());

  test('every settings page is behind the gate', async () => {
    for (const path of ['/admin/policy', '/admin/keys', '/admin/clients', '/admin/api-keys']) {
      const answer = await send(url(path), { accept: 'text/html' });
      assert.equal(answer.status, 303, path);
      assert.equal(answer.headers.get('location'), `/login?return_to=${encodeURIComponent(path)}`);
    }
    for (const path of ['/admin/policy/validate', '/admin/policy/playground', '/admin/keys/rotate', '/admin/api-keys/create', '/admin/api-keys/revoke']) {
      const answer = await send(url(path), { form: { name: 'x' }, accept: 'text/html' });
      assert.equal(answer.status, 403, path);
      assert.equal(/data-error-code="([^"]+)"/.exec(answer.body)?.[1], 'ERR_CSRF', path);
    }
  });

  test('the policy page shows the policy in force: default, every rule with its condition and requirement', async () => {
    const policy = await page('/admin/policy');
    assert.equal(policy.status, 200);
    assert.match(policy.body, /aria-current="page">Policy</);
    assert.match(policy.body, /<dd data-policy-default><code>aal1<\/code>/);
    for (const rule of ISSUE_POLICY.rules) assert.match(policy.body, new RegExp(`<tr data-rule="${rule.name}">`));
    assert.match(policy.body, /<tr data-rule="large-transfer"><td>1<\/td><td><code>large-transfer<\/code><\/td><td><code>action == &quot;transfer\.create&quot; &amp;&amp; resource\.amount &gt; 1000<\/code><\/td><td>require <code>aal2 max_age=300<\/code>/);
    assert.match(policy.body, /<tr data-rule="blocked-network">[\s\S]*?<strong>deny<\/strong>/);
    assert.match(policy.body, /data-policy-origin="start"/);
    assert.doesNotMatch(policy.body, /<script/i);
  });

  test('checking a pasted policy names the path and line of an error, and never applies a valid one', async () => {
    const refused = await post('/admin/policy', '/admin/policy/validate', { policy: BAD_POLICY });
    assert.equal(refused.status, 400);
    assert.equal(errorCodeOf(refused), 'ERR_POLICY_INVALID');
    assert.match(refused.body, /data-path="rules\[0\]\.when" data-line="4"/);
    assert.match(refused.body, /<textarea id="policy-text" name="policy"[^>]*>policy:\n {2}rules:/, 'the text comes back');

    const valid = await post('/admin/policy', '/admin/policy/validate', { policy: GOOD_POLICY });
    assert.equal(valid.status, 200);
    assert.match(valid.body, /data-policy-valid/);
    assert.match(valid.body, /<tr data-rule="everything">/);
    assert.deepEqual(server.server.services.policies.current().rules.map((rule) => rule.name), ISSUE_POLICY.rules.map((rule) => rule.name), 'nothing applied');

    const empty = await post('/admin/policy', '/admin/policy/validate', { policy: '  ' });
    assert.equal(empty.status, 400);
    assert.equal(errorCodeOf(empty), 'ERR_VALIDATION');
    const huge = await post('/admin/policy', '/admin/policy/validate', { policy: 'x'.repeat(40_000) });
    assert.equal(huge.status, 400);
    assert.equal(errorCodeOf(huge), 'ERR_VALIDATION');
  });

  test('the playground evaluates under the policy in force and refuses bad input with a 400', async () => {
    const now = server.server.services.now();
    const input = JSON.stringify({ action: 'transfer.create', resource: { amount: 5000 }, session: { acr: 'aal1', amr: ['pwd'], auth_time: now - 60 } });
    const result = await post('/admin/policy', '/admin/policy/playground', { input });
    assert.equal(result.status, 200);
    assert.match(result.body, /<section class="playground-result" data-decision="step_up"/);
    assert.match(result.body, /Rules matched<\/dt><dd><code>large-transfer<\/code>/);
    for (const [text, code] of [['{not json', 'ERR_VALIDATION'], ['{"resource": {}}', 'ERR_VALIDATION'], ['[]', 'ERR_VALIDATION']] as const) {
      const refused = await post('/admin/policy', '/admin/policy/playground', { input: text });
      assert.equal(refused.status, 400, text);
      assert.equal(errorCodeOf(refused), code, text);
    }
  });

  test('signing keys: listed without key material; Rotate publishes a new key ahead of its activation, retires the old one then, and is audited', async () => {
    const before = await listSigningKeys(server.server.database.db);
    assert.equal(before.length, 1);
    const keys = await page('/admin/keys');
    assert.match(keys.body, new RegExp(`<tr data-kid="${before[0]!.kid}"><td><code>${before[0]!.kid}</code> <span class="tag" data-signing>signs here</span>`));
    assert.match(keys.body, /data-state="active"/);
    assert.doesNotMatch(keys.body, /"d"|private/i);

    const rotated = await post('/admin/keys', '/admin/keys/rotate', {});
    assert.equal(rotated.status, 200);
    assert.match(rotated.url, /\/admin\/keys\?done=rotated$/);
    const after = await listSigningKeys(server.server.database.db);
    assert.equal(after.length, 2);
    const fresh = after.find((key) => key.retiredAt === null)!;
    assert.notEqual(fresh.kid, before[0]!.kid);
    // The new key is published ahead of its activation; the old one keeps signing until then, and no node needs a restart.
    assert.match(rotated.body, new RegExp(`<tr data-kid="${fresh.kid}">[\\s\\S]*?data-state="pending"[^<]*</span> <span class="muted">signs from `));
    assert.match(rotated.body, new RegExp(`<tr data-kid="${before[0]!.kid}"><td><code>${before[0]!.kid}</code> <span class="tag" data-signing>signs here</span>[\\s\\S]*?data-state="active"[^<]*</span> <span class="muted">retires `));
    assert.doesNotMatch(rotated.body, /data-restart-needed|restart every node/);
    assert.match(rotated.body, /<p class="notice" role="status">A new signing key was created/);
    const [event] = await adminActions(server);
    assert.equal(event!.actor, 'admin:root-admin');
    assert.deepEqual(event!.details, { action: 'rotate_signing_key', kid: fresh.kid, retired: [before[0]!.kid] });
  });

  test('clients: id, name, redirect URIs, grants, PAR, detail types, never a secret', async () => {
    const list = await page('/admin/clients');
    assert.equal(list.status, 200);
    assert.match(list.body, /<tr data-client-id="test-rp">/);
    const row = /<tr data-client-id="bank-web">[\s\S]*?<\/tr>/.exec(list.body)?.[0] ?? '';
    assert.match(row, /Bank &lt;web&gt;/);
    assert.match(row, /<code>https:\/\/bank\.example\/cb<\/code><br><code>https:\/\/bank\.example\/cb2<\/code>/);
    assert.match(row, /data-par="true">yes/);
    assert.match(row, /<code>payment_initiation<\/code>/);
    assert.match(row, /confidential <code>client_secret_basic<\/code>/);
    assert.ok(!list.body.includes('super-secret-client-value'));
  });

  test('API keys: created with the secret shown once, usable, listed by prefix, revoked, each change audited', async () => {
    const created = await post('/admin/api-keys', '/admin/api-keys/create', { name: 'payments-backend', return_to: 'https://bank.example/done\n\nhttp://localhost:3000/back\n' });
    assert.equal(created.status, 200);
    assert.equal(created.url, url('/admin/api-keys/create'));
    const secret = /<code class="secret" data-secret>(sw_[a-z0-9]{16}_[A-Za-z0-9_-]{43})<\/code>/.exec(created.body)?.[1];
    assert.ok(secret, created.body.slice(0, 3000));
    const id = secret.split('_')[1]!;
    assert.match(created.body, new RegExp(`<tr data-api-key="payments-backend" data-state="live"><td><code>payments-backend</code></td><td><code>sw_${id}_…</code></td><td><code>https://bank.example/done</code><br><code>http://localhost:3000/back</code>`));

    const subject = await userIdOf(server, DEMO.username);
    const decided = await callApi(server, '/v1/decisions', { key: secret, body: { subject, action: 'login', resource: {} } });
    assert.equal(decided.status, 200, 'the new key works');

    const listed = await page('/admin/api-keys');
    assert.ok(!listed.body.includes(secret), 'the secret is shown once');
    assert.ok(!listed.body.includes(secret.split('_')[2]!));
    const [createdEvent] = await adminActions(server);
    assert.deepEqual(createdEvent!.details, { action: 'create_api_key', name: 'payments-backend', id, return_to: ['https://bank.example/done', 'http://localhost:3000/back'] });
    assert.ok(!JSON.stringify(createdEvent).includes(secret.split('_')[2]!), 'never in the log');

    for (const [values, status, code] of [
      [{ name: 'payments-backend', return_to: '' }, 409, 'ERR_API_KEY_EXISTS'],
      [{ name: 'bad name!', return_to: '' }, 400, 'ERR_VALIDATION'],
      [{ name: 'ok-name', return_to: 'http://bank.example/plain' }, 400, 'ERR_VALIDATION'],
      [{ name: 'ok-name', return_to: 'https://bank.example/#frag' }, 400, 'ERR_VALIDATION'],
      [{ name: 'ok-name', return_to: 'not a url' }, 400, 'ERR_VALIDATION'],
    ] as const) {
      const refused = await post('/admin/api-keys', '/admin/api-keys/create', values);
      assert.equal(refused.status, status, JSON.stringify(values));
      assert.equal(errorCodeOf(refused), code, JSON.stringify(values));
      assert.doesNotMatch(refused.body, /data-secret/);
    }

    const form = formOf(listed, '/admin/api-keys/revoke');
    assert.equal(form.fields.name, 'payments-backend');
    const revoked = await admin.browser.submit(listed, {}, '/admin/api-keys/revoke');
    assert.equal(revoked.status, 200);
    assert.match(revoked.url, /done=revoked$/);
    assert.match(revoked.body, /<tr data-api-key="payments-backend" data-state="revoked">/);
    const refused = await callApi(server, '/v1/decisions', { key: secret, body: { subject, action: 'login', resource: {} } });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'ERR_API_KEY_INVALID');
    const [revokedEvent] = await adminActions(server);
    assert.deepEqual(revokedEvent!.details, { action: 'revoke_api_key', name: 'payments-backend' });

    const again = await admin.browser.go(url('/admin/api-keys/revoke'), { form: { _csrf: form.fields._csrf!, name: 'payments-backend' } });
    assert.equal(again.status, 404);
    assert.equal(errorCodeOf(again), 'ERR_API_KEY_NOT_FOUND');
  });
});

describe('admin playground with demo and outbox off', () => {
  let server: TestServer;
  let admin: AdminBrowser;

  before(async () => {
    server = await startTestServer({ overrides: { demo: false, outbox: false, policy: ISSUE_POLICY } });
    await addAdmin(server);
    admin = await adminAtAal2(server);
  });
  after(async () => server?.destroy());

  test('/playground is a 404 but the console evaluates', async () => {
    assert.equal((await send(`${server.issuer}/playground`, { accept: 'text/html' })).status, 404);
    const policy = await admin.browser.go(`${server.issuer}/admin/policy`);
    const result = await admin.browser.submit(policy, { input: JSON.stringify({ action: 'account.email.change', session: {} }) }, '/admin/policy/playground');
    assert.equal(result.status, 200);
    assert.match(result.body, /data-decision="step_up"/);
    assert.match(result.body, /<code>account-changes<\/code>/);
  });
});
