// Threat: an attacker who has phished or guessed an admin's password signs
// in with it and opens the admin console to look people up, lock them out,
// strip their factors or end their sessions. The console needs the
// multi-factor level: with the password alone every console page (every
// route under /admin, whoever built it) answers a redirect to the step-up
// or a refusal, never the page, and every console form post, even with a
// valid CSRF token, is refused and changes nothing: no account locked, no
// factor removed, no session ended, no admin_action event written.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findSessionById } from '../src/storage/sessions.js';
import { findUserById } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { ADMIN, addAdmin, adminActions, adminAtAal2 } from './support/admin-kit.js';
import { confirmedFactorIds, DEMO, errorCodeIn, send, sessionIdOf, signIn, userIdOf } from './support/threat-kit.js';

/** Every route under /admin with its methods, read from the router (so pages added later are covered too). */
function adminRoutes(server: TestServer): Array<{ path: string; methods: string[] }> {
  const routes: Array<{ path: string; methods: string[] }> = [];
  const stack: string[] = [];
  for (const line of server.server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─ ]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    if (match[3] && path.startsWith('/admin')) routes.push({ path, methods: match[3].split(', ') });
  }
  return routes;
}

describe('an admin\'s password without the second factor', () => {
  let server: TestServer;
  let adminId = '';
  let demoId = '';
  let demoSession = '';

  before(async () => {
    server = await startTestServer();
    adminId = await addAdmin(server);
    // The real admin has an authenticator app; the attacker only has the password.
    await adminAtAal2(server);
    demoId = await userIdOf(server, DEMO.username);
    const victim = await signIn(server, DEMO);
    demoSession = sessionIdOf(victim.browser);
  });
  after(async () => server.destroy());

  function concrete(path: string): string {
    return path
      .replace('/admin/users/:id', `/admin/users/${demoId}`)
      .replace('/admin/sessions/:id', `/admin/sessions/${demoSession}`)
      .replace('/admin/events/:seq', '/admin/events/1')
      .replace(/:[a-z_]+/g, 'x');
  }

  test('the router has the console\'s pages and actions', () => {
    const paths = adminRoutes(server).map((route) => route.path);
    for (const path of ['/admin/users', '/admin/users/:id', '/admin/users/:id/lock', '/admin/sessions/:id/revoke', '/admin/events']) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(' ')}`);
    }
  });

  test('no console page opens: each sends the browser to the step-up or refuses', async () => {
    const { browser } = await signIn(server, ADMIN);
    for (const route of adminRoutes(server).filter((candidate) => candidate.methods.includes('GET'))) {
      const path = concrete(route.path);
      const answer = await send(`${server.issuer}${path}`, { browser, accept: 'text/html' });
      const location = answer.headers.get('location') ?? '';
      if (path === '/admin') {
        assert.equal(location, '/admin/users');
        continue;
      }
      assert.ok(
        (answer.status === 303 && location.startsWith('/step-up?return_to=')) || (answer.status >= 400 && answer.status < 500),
        `${path}: ${answer.status} ${location}`,
      );
      assert.ok(!answer.body.includes(demoId), `${path} shows nothing about users`);
    }
  });

  test('the step-up cannot be passed with the password again', async () => {
    const { browser, csrf } = await signIn(server, ADMIN);
    const answer = await send(`${server.issuer}/step-up/password?return_to=%2Fadmin%2Fusers`, {
      browser, form: { _csrf: csrf, username: ADMIN.username, password: ADMIN.password },
    });
    assert.notEqual(answer.status, 303);
    assert.equal(errorCodeIn(answer), 'ERR_METHOD_NOT_OFFERED');
    const after = await send(`${server.issuer}/admin/users`, { browser, accept: 'text/html' });
    assert.equal(after.status, 303);
  });

  test('no console action is performed, even with a valid CSRF token', async () => {
    const { browser, csrf } = await signIn(server, ADMIN);
    const form = { _csrf: csrf, confirm: 'reset', back: 'user' };
    const before = await confirmedFactorIds(server, adminId);
    for (const route of adminRoutes(server).filter((candidate) => candidate.methods.includes('POST'))) {
      const path = concrete(route.path);
      const answer = await send(`${server.issuer}${path}`, { browser, form });
      assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status}`);
      if (route.path.startsWith('/admin/users/:id/') || route.path.startsWith('/admin/sessions/:id/')) {
        assert.equal(answer.status, 401, path);
        assert.equal(errorCodeIn(answer), 'ERR_STEP_UP_REQUIRED', path);
      }
    }
    const demo = await findUserById(server.server.database.db, demoId);
    assert.equal(demo?.disabled, false, 'the account was not locked');
    assert.equal((await findSessionById(server.server.database.db, demoSession))?.revokedAt, null, 'the session was not ended');
    assert.deepEqual(await confirmedFactorIds(server, adminId), before, 'no factor was removed');
    assert.deepEqual(await adminActions(server), [], 'no admin_action event');
  });
});
