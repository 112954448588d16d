// End to end in a real headless Chromium: an admin signs in with the
// password, is sent to the step-up for the authenticator app's code, lands
// on the console, finds a user, opens them, ends one of their sessions (made
// beforehand by signing the user in over HTTP), and sees the admin_action
// event on the timeline. Screenshots of the main pages go to test-output/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ADMIN, addAdmin, adminAtAal2 } from './support/admin-kit.js';
import { withChromium } from './support/chromium.js';
import { addUser, send, sessionIdOf, signIn } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

/** `test-output/` at the repository root, created on first use. */
function outputPath(file: string): string {
  const dir = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${file}`;
}

const CAROL = { username: 'carol', password: 'a password of carol' };

test('an admin steps up, finds a user, revokes a session and sees the event', async () => {
  await withChromium(async ({ server, page }) => {
    await addAdmin(server);
    // The admin enrolled an authenticator app earlier, in another browser.
    const enrolled = await adminAtAal2(server);
    await addUser(server, CAROL);
    const laptop = await signIn(server, CAROL);
    const phone = await signIn(server, CAROL);

    await page.goto(`${server.issuer}/admin`);
    await page.waitForURL(/\/login\?return_to=%2Fadmin%2Fusers/);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/step-up\?return_to=%2Fadmin%2Fusers/), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);

    await page.fill('#code', totpForStep(enrolled.secret, enrolled.step + 1));
    await Promise.all([page.waitForURL(/\/admin\/users$/), page.getByRole('button', { name: 'Verify' }).click()]);
    assert.equal(await page.getAttribute('nav.admin-nav a[aria-current="page"]', 'href'), '/admin/users');
    await page.screenshot({ path: outputPath('admin-users.png'), fullPage: true });

    await page.fill('#q', 'caro');
    await Promise.all([page.waitForURL(/\/admin\/users\?q=caro/), page.getByRole('button', { name: 'Search' }).click()]);
    assert.equal(await page.locator('table.users tbody tr').count(), 1);
    await Promise.all([page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/), page.getByRole('link', { name: 'carol' }).click()]);
    assert.equal(await page.locator('table.sessions tbody tr').count(), 2);
    await page.screenshot({ path: outputPath('admin-user-detail.png'), fullPage: true });

    const phoneSession = sessionIdOf(phone.browser);
    await Promise.all([
      page.waitForURL(/done=session-revoked/),
      page.locator(`tr[data-session="${phoneSession}"]`).getByRole('button', { name: 'Revoke' }).click(),
    ]);
    assert.match(await page.locator('p.notice').innerText(), /session was ended/);
    assert.equal(await page.locator('table.sessions tbody tr').count(), 1);
    assert.equal(await page.locator(`tr[data-session="${phoneSession}"]`).count(), 0);
    assert.equal((await send(`${server.issuer}/account`, { browser: phone.browser, accept: 'text/html' })).status, 303, 'the phone is signed out');
    assert.equal((await send(`${server.issuer}/account`, { browser: laptop.browser, accept: 'text/html' })).status, 200, 'the laptop is not');

    await page.goto(`${server.issuer}/admin/events`);
    await page.getByLabel('admin_action').check();
    await Promise.all([page.waitForURL(/type=admin_action/), page.getByRole('button', { name: 'Filter' }).click()]);
    const row = page.locator('table.events tbody tr[data-type="admin_action"]').first();
    assert.match(await row.innerText(), new RegExp(`admin:${ADMIN.username}`));
    await page.screenshot({ path: outputPath('admin-events.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/admin\/events\/\d+$/), row.locator('a').first().click()]);
    const details = await page.locator('dl.admin-fields').innerText();
    assert.match(details, /revoke_session/);
    assert.match(await page.locator('code[data-hash]').innerText(), /^[0-9a-f]{64}$/);
  });
});
