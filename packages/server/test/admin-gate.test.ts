// The admin console's gate: who reaches a page, who is sent where, and that
// every action is a CSRF-protected form post. Real HTTP against a test
// server; sessions are made the way a browser makes them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { revokeAdmin } from '../src/storage/admins.js';
import { findUserById } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { ADMIN, addAdmin, adminActions, adminAtAal2, answerStepUp, type AdminBrowser } from './support/admin-kit.js';
import { formOf } from './support/browser.js';
import { addUser, DEMO, errorCodeIn, send, signIn, userIdOf } from './support/threat-kit.js';

describe('admin console gate', () => {
  let server: TestServer;
  let admin: AdminBrowser;
  let adminId = '';
  let demoId = '';

  before(async () => {
    server = await startTestServer();
    adminId = await addAdmin(server);
    admin = await adminAtAal2(server);
    demoId = await userIdOf(server, DEMO.username);
  });
  after(async () => server.destroy());

  test('/admin leads to the user list', async () => {
    const answer = await send(`${server.issuer}/admin`, { accept: 'text/html' });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/admin/users');
  });

  test('a signed-out browser is sent to sign in, coming back to the page', async () => {
    for (const path of ['/admin/users', '/admin/users?q=demo', '/admin/sessions', '/admin/events']) {
      const answer = await send(`${server.issuer}${path}`, { accept: 'text/html' });
      assert.equal(answer.status, 303, path);
      assert.equal(answer.headers.get('location'), `/login?return_to=${encodeURIComponent(path)}`, path);
    }
  });

  test('a signed-in user who is not an admin gets 403 ERR_ADMIN_REQUIRED, as a page and as JSON', async () => {
    const { browser } = await signIn(server, DEMO);
    const page = await send(`${server.issuer}/admin/users`, { browser, accept: 'text/html' });
    assert.equal(page.status, 403);
    assert.equal(errorCodeIn(page), 'ERR_ADMIN_REQUIRED');
    const json = await send(`${server.issuer}/admin/events`, { browser });
    assert.equal(json.status, 403);
    assert.equal(errorCodeIn(json), 'ERR_ADMIN_REQUIRED');
  });

  test('an admin signed in with the password only is sent to the step-up, which brings them back', async () => {
    const { browser } = await signIn(server, ADMIN);
    const answer = await send(`${server.issuer}/admin/users?q=demo`, { browser, accept: 'text/html' });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), `/step-up?return_to=${encodeURIComponent('/admin/users?q=demo')}`);
    const stepUp = await browser.go(`${server.issuer}/admin/users?q=demo`);
    assert.ok(stepUp.url.includes('/step-up'), stepUp.url);
    const landing = await answerStepUp(browser, stepUp, admin.secret, admin.step + 1);
    assert.equal(landing.status, 200, landing.body.slice(0, 800));
    assert.ok(landing.url.endsWith('/admin/users?q=demo'), landing.url);
    assert.match(landing.body, new RegExp(`data-user="${demoId}"`));
  });

  test('an admin with no second factor at all is told to add one, never redirected in a loop', async () => {
    await addAdmin(server, { username: 'new-admin', password: 'a password for the new admin' });
    const { browser } = await signIn(server, { username: 'new-admin', password: 'a password for the new admin' });
    const page = await send(`${server.issuer}/admin/users`, { browser, accept: 'text/html' });
    assert.equal(page.status, 403);
    assert.equal(errorCodeIn(page), 'ERR_ADMIN_REQUIRED');
    assert.match(page.body, /data-reason="second_factor_missing"/);
    assert.match(page.body, /href="\/account"/);
    const json = await send(`${server.issuer}/admin/users`, { browser });
    assert.equal((JSON.parse(json.body) as { reason?: string }).reason, 'second_factor_missing');
  });

  test('an admin at aal2 gets the console: nav, no caching, no scripts', async () => {
    const page = await send(`${server.issuer}/admin/users`, { browser: admin.browser, accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    for (const path of ['/admin/users', '/admin/sessions', '/admin/events', '/admin/decisions', '/admin/charts', '/admin/policy', '/admin/keys', '/admin/clients', '/admin/api-keys']) {
      assert.ok(page.body.includes(`href="${path}"`), `nav links ${path}`);
    }
    assert.match(page.body, /<a href="\/admin\/users" aria-current="page">/);
    assert.doesNotMatch(page.body, /<script/);
    const css = await send(`${server.issuer}/assets/admin.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });

  test('actions need the form\'s CSRF token, and write an admin_action event', async () => {
    const userId = await addUser(server, { username: 'mallory', password: 'a password of mallory' });
    const detail = await admin.browser.go(`${server.issuer}/admin/users/${userId}`);
    assert.equal(detail.status, 200);
    const noToken = await send(`${server.issuer}/admin/users/${userId}/lock`, { browser: admin.browser, form: {} });
    assert.equal(noToken.status, 403);
    assert.equal(errorCodeIn(noToken), 'ERR_CSRF');
    const wrongToken = await send(`${server.issuer}/admin/users/${userId}/lock`, { browser: admin.browser, form: { _csrf: 'forged' } });
    assert.equal(errorCodeIn(wrongToken), 'ERR_CSRF');
    assert.equal((await findUserById(server.server.database.db, userId))?.disabled, false, 'nothing was locked');

    const locked = await admin.browser.submit(detail, {}, `/admin/users/${userId}/lock`);
    assert.equal(locked.status, 200);
    assert.match(locked.body, /data-state="locked"/);
    assert.equal((await findUserById(server.server.database.db, userId))?.disabled, true);
    const [event] = await adminActions(server);
    assert.equal(event?.actor, `admin:${ADMIN.username}`);
    assert.equal(event?.subject, userId);
    assert.equal(event?.details?.action, 'lock');

    const unlocked = await admin.browser.submit(locked, {}, `/admin/users/${userId}/unlock`);
    assert.match(unlocked.body, /data-state="active"/);
    assert.equal((await adminActions(server))[0]?.details?.action, 'unlock');
  });

  test('reset factors asks first, then removes the second factors and ends the sessions', async () => {
    const victimCredentials = { username: 'victim', password: 'a password of the victim' };
    await addUser(server, victimCredentials);
    const victim = await adminAtAal2(server, victimCredentials);
    const victimId = await userIdOf(server, 'victim');
    const confirm = await admin.browser.go(`${server.issuer}/admin/users/${victimId}/reset-factors`);
    assert.equal(confirm.status, 200);
    const unconfirmed = await send(`${server.issuer}/admin/users/${victimId}/reset-factors`, {
      browser: admin.browser, form: { _csrf: formOf(confirm, 'reset-factors').fields._csrf ?? '' },
    });
    assert.equal(unconfirmed.status, 400, 'the confirm field is required');
    const done = await admin.browser.submit(confirm, {}, `/admin/users/${victimId}/reset-factors`);
    assert.equal(done.status, 200);
    assert.match(done.body, /data-empty="factors"/);
    assert.match(done.body, /data-empty="sessions"/);
    const gone = await send(`${server.issuer}/account`, { browser: victim.browser, accept: 'text/html' });
    assert.equal(gone.status, 303, 'the victim\'s session ended');
    const [event] = await adminActions(server);
    assert.equal(event?.details?.action, 'reset_factors');
    assert.equal(event?.details?.factors_removed, 1);
  });

  test('an admin cannot lock or reset their own account', async () => {
    const detail = await admin.browser.go(`${server.issuer}/admin/users/${adminId}`);
    const own = await send(`${server.issuer}/admin/users/${adminId}/lock`, {
      browser: admin.browser, form: { _csrf: formOf(detail, '/lock').fields._csrf ?? '' },
    });
    assert.equal(own.status, 400);
    assert.equal(errorCodeIn(own), 'ERR_VALIDATION');
    assert.equal((await findUserById(server.server.database.db, adminId))?.disabled, false);
  });

  test('bad ids and query parameters are 4xx with a stable code, never 5xx', async () => {
    const cases: ReadonlyArray<[string, number, string]> = [
      ['/admin/users/not%20an%20id', 400, 'ERR_VALIDATION'],
      [`/admin/users/${'a'.repeat(65)}`, 400, 'ERR_VALIDATION'],
      ['/admin/users/00000000-0000-0000-0000-000000000000', 404, 'ERR_USER_NOT_FOUND'],
      ['/admin/users?page=0', 400, 'ERR_VALIDATION'],
      ['/admin/users?page=abc', 400, 'ERR_VALIDATION'],
      [`/admin/users?q=${'x'.repeat(200)}`, 400, 'ERR_VALIDATION'],
      ['/admin/users?q=%25_%5C', 200, ''],
      ['/admin/sessions?page=-1', 400, 'ERR_VALIDATION'],
      ['/admin/events?type=nonsense', 400, 'ERR_VALIDATION'],
      ['/admin/events?before=abc', 400, 'ERR_VALIDATION'],
      ['/admin/events?before=0', 400, 'ERR_VALIDATION'],
      ['/admin/events?since=yesterday', 400, 'ERR_VALIDATION'],
      ['/admin/events?since=2025-02-30', 400, 'ERR_VALIDATION'],
      ['/admin/events?until=2025-13-01', 400, 'ERR_VALIDATION'],
      ['/admin/events?since=&until=&subject=&client=', 200, ''],
      ['/admin/events?type=admin_action&type=sign_in', 200, ''],
      ['/admin/events/0', 400, 'ERR_VALIDATION'],
      ['/admin/events/abc', 400, 'ERR_VALIDATION'],
      ['/admin/events/99999999', 404, 'ERR_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await send(`${server.issuer}${path}`, { browser: admin.browser });
      assert.equal(answer.status, status, `${path}: ${answer.body.slice(0, 300)}`);
      if (code) assert.equal(errorCodeIn(answer), code, path);
    }
    const detail = await admin.browser.go(`${server.issuer}/admin/users/${demoId}`);
    const csrf = formOf(detail, '/lock').fields._csrf ?? '';
    for (const [path, status, code] of [
      ['/admin/sessions/not-a-session/revoke', 400, 'ERR_VALIDATION'],
      [`/admin/sessions/${'0'.repeat(64)}/revoke`, 404, 'ERR_NOT_FOUND'],
      ['/admin/users/00000000-0000-0000-0000-000000000000/lock', 404, 'ERR_USER_NOT_FOUND'],
    ] as const) {
      const answer = await send(`${server.issuer}${path}`, { browser: admin.browser, form: { _csrf: csrf } });
      assert.equal(answer.status, status, `${path}: ${answer.body.slice(0, 300)}`);
      assert.equal(errorCodeIn(answer), code, path);
    }
  });

  test('a revoked admin\'s open session opens nothing more', async () => {
    const formerCredentials = { username: 'former-admin', password: 'a password of the former admin' };
    await addAdmin(server, formerCredentials);
    const other = await adminAtAal2(server, formerCredentials);
    assert.equal((await send(`${server.issuer}/admin/users`, { browser: other.browser, accept: 'text/html' })).status, 200);
    await revokeAdmin(server.server.database.db, await userIdOf(server, 'former-admin'));
    const page = await send(`${server.issuer}/admin/users`, { browser: other.browser, accept: 'text/html' });
    assert.equal(page.status, 403);
    assert.equal(errorCodeIn(page), 'ERR_ADMIN_REQUIRED');
    const post = await send(`${server.issuer}/admin/users/${demoId}/lock`, { browser: other.browser, form: { _csrf: other.csrf } });
    assert.equal(post.status, 403);
    assert.equal(errorCodeIn(post), 'ERR_ADMIN_REQUIRED');
    assert.equal((await findUserById(server.server.database.db, demoId))?.disabled, false);
  });
});
