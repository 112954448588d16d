// Passkeys and security keys in a real Chromium with CDP virtual
// authenticators. A user relies on: a device-bound passkey reaching aal3
// and a synced one only aal2, each with the amr it earned (hwk or swk, user,
// mfa); a security key without a PIN counting as a possession factor beside
// the password; and passkey sign-in from the username field's autofill.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { listWebauthnCredentials } from '../src/storage/webauthn-credentials.js';
import { PLATFORM_PASSKEY, registerOnAccountPage, SECURITY_KEY, signInWithPassword, SYNCED_PASSKEY, withChromium, type ChromiumKit } from './support/chromium.js';
import { DEMO, userIdOf } from './support/threat-kit.js';

/** Runs an authorization request in the page; the user answers with the WebAuthn button when asked. */
async function authorize(kit: ChromiumKit, params: Record<string, string>, answer: 'webauthn' | 'none') {
  const rp = await kit.relyingParty();
  const request = await rp.authorize(params);
  const before = kit.callbacks.length;
  await kit.page.goto(request.url);
  if (answer === 'webauthn') {
    await kit.page.waitForSelector('html[data-webauthn-ready]');
    await kit.page.getByRole('button', { name: 'Use passkey or security key' }).click();
  }
  await kit.page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
  const landing = kit.callbacks[before]!;
  if (new URL(landing).searchParams.has('error')) return { error: new URL(landing).searchParams.get('error') };
  const tokens = await rp.callback({ url: landing, status: 200, body: '' }, request);
  return { claims: decodeJwt(tokens.id_token!) };
}

function assertAmr(amr: unknown, present: string[], absent: string[]): void {
  assert.ok(Array.isArray(amr), `amr is a list: ${JSON.stringify(amr)}`);
  for (const value of present) assert.ok(amr.includes(value), `amr ${JSON.stringify(amr)} includes ${value}`);
  for (const value of absent) assert.ok(!amr.includes(value), `amr ${JSON.stringify(amr)} lacks ${value}`);
}

describe('passkeys and security keys in Chromium', () => {
  test('a device-bound passkey with user verification reaches aal3 with amr hwk, user, mfa', async () => {
    await withChromium(async (kit) => {
      await kit.addAuthenticator(PLATFORM_PASSKEY);
      await signInWithPassword(kit, DEMO);
      await registerOnAccountPage(kit, 'passkey');

      const [credential] = await listWebauthnCredentials(kit.server.server.database.db, await userIdOf(kit.server, DEMO.username));
      assert.ok(credential, 'the credential is stored');
      assert.deepEqual(
        { userVerified: credential.userVerified, backedUp: credential.backedUp, deviceType: credential.deviceType, discoverable: credential.discoverable },
        { userVerified: true, backedUp: false, deviceType: 'singleDevice', discoverable: true },
      );
      assert.match(credential.aaguid, /^[0-9a-f-]{36}$/);
      assert.ok(credential.transports.includes('internal'));

      const { claims } = await authorize(kit, { acr_values: 'aal3' }, 'webauthn');
      assert.equal(claims?.acr, 'aal3');
      // The session's password still counts too, so pwd may be listed beside them.
      assertAmr(claims?.amr, ['hwk', 'user', 'mfa'], ['swk']);
    });
  });

  test('a synced passkey gives aal2 with amr swk, user, mfa, and never aal3', async () => {
    await withChromium(async (kit) => {
      await kit.addAuthenticator(SYNCED_PASSKEY);
      await signInWithPassword(kit, DEMO);
      await registerOnAccountPage(kit, 'passkey');
      const [credential] = await listWebauthnCredentials(kit.server.server.database.db, await userIdOf(kit.server, DEMO.username));
      assert.equal(credential?.backedUp, true);
      assert.equal(credential?.deviceType, 'multiDevice');

      const aal2 = await authorize(kit, { acr_values: 'aal2', max_age: '0' }, 'webauthn');
      assert.equal(aal2.claims?.acr, 'aal2');
      assertAmr(aal2.claims?.amr, ['swk', 'user', 'mfa'], ['hwk']);

      const aal3 = await authorize(kit, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal3'] } } }) }, 'none');
      assert.equal(aal3.error, 'unmet_authentication_requirements');
    });
  });

  test('a security key without a PIN is possession only: aal2 and, being device-bound, aal3 together with the password', async () => {
    await withChromium(async (kit) => {
      await kit.addAuthenticator(SECURITY_KEY);
      await signInWithPassword(kit, DEMO);
      await registerOnAccountPage(kit, 'security-key');
      const [credential] = await listWebauthnCredentials(kit.server.server.database.db, await userIdOf(kit.server, DEMO.username));
      assert.deepEqual({ userVerified: credential?.userVerified, discoverable: credential?.discoverable }, { userVerified: false, discoverable: false });

      const { claims } = await authorize(kit, { acr_values: 'aal3', max_age: '0' }, 'webauthn');
      assert.equal(claims?.acr, 'aal3');
      assert.deepEqual([...(claims?.amr as string[])].sort(), ['hwk', 'mfa', 'pwd']);
    });
  });

  test('passkey sign-in: the username field offers the passkey (conditional UI) and signs in without a password', async () => {
    await withChromium(async (kit) => {
      await kit.addAuthenticator(PLATFORM_PASSKEY);
      await signInWithPassword(kit, DEMO);
      await registerOnAccountPage(kit, 'passkey');
      await kit.page.goto(`${kit.server.issuer}/logout`);
      await Promise.all([kit.page.waitForURL(`${kit.server.issuer}/`), kit.page.getByRole('button', { name: 'Sign out' }).click()]);

      // The virtual platform authenticator answers the autofill request by itself.
      const signInPage = await (await fetch(`${kit.server.issuer}/login`)).text();
      assert.match(signInPage, /<input id="username"[^>]* autocomplete="username webauthn"/);
      // The page may leave at once: the autofill request resolves as it loads.
      await Promise.all([kit.page.waitForURL(/\/account$/), kit.page.goto(`${kit.server.issuer}/login?return_to=/account`)]);
      assert.match(await kit.page.textContent('.who') ?? '', /demo/);

      // A passkey alone is aal2: an application asking for it gets it without a password.
      const { claims } = await authorize(kit, { acr_values: 'aal2' }, 'none');
      assert.equal(claims?.acr, 'aal2');
      assert.deepEqual([...(claims?.amr as string[])].sort(), ['hwk', 'mfa', 'user']);
    });
  });
});
