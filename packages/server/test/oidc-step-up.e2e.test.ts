// End to end over real HTTP: openid-client as the relying party, a cookie-
// keeping browser on the server's pages, TOTP codes computed independently.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DEMO_USER } from '../src/index.js';
import { errorCodeOf, type Page } from './support/browser.js';
import { browserFor, RelyingParty, startTestServer, typedSecretOf, type TestServer } from './support/harness.js';
import { currentStep, totpForStep, wrongCode } from './support/totp-reference.js';

describe('OpenID Connect sign-in with TOTP step-up', () => {
  let server: TestServer;
  let rp: RelyingParty;
  const browser = () => browserFor(server);
  let user: ReturnType<typeof browserFor>;
  let secret = '';
  let lastStep = 0;
  let firstRefreshToken = '';
  let firstAuthTime = 0;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    user = browser();
  });
  after(async () => server.destroy());

  async function signIn(page: Page): Promise<Page> {
    return user.submit(page, { username: DEMO_USER.username, password: DEMO_USER.password }, '/password');
  }

  test('discovery publishes levels, their ranks and ES256', async () => {
    const metadata = rp.config.serverMetadata();
    assert.deepEqual(metadata.acr_values_supported, ['aal1', 'aal2', 'aal3']);
    assert.deepEqual(metadata.stepwise_acr_ranks, { aal1: 1, aal2: 2, aal3: 3 });
    assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['ES256']);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
  });

  test('password sign-in gives aal1 with pwd, in the ID token and the JWT access token', async () => {
    const request = await rp.authorize();
    const form = await user.go(request.url);
    assert.match(form.body, /autocomplete="username"/);
    assert.match(form.body, /autocomplete="current-password"/);
    const tokens = await rp.callback(await signIn(form), request);
    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'aal1');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.ok(Math.abs(Number(claims.auth_time) - Date.now() / 1000) < 30);

    assert.deepEqual(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.acr, 'aal1');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(payload.auth_time, claims.auth_time);
    assert.ok(tokens.refresh_token);
    firstRefreshToken = tokens.refresh_token!;
    firstAuthTime = Number(claims.auth_time);
  });

  test('acr_values=aal2 without a second factor leads to enrollment, and the first code completes the step-up', async () => {
    const request = await rp.authorize({ acr_values: 'aal2' });
    const page = await user.go(request.url);
    assert.match(page.body, /Add an authenticator app/);
    assert.match(page.body, /<svg/);
    assert.match(page.body, /otpauth:\/\/totp\//);
    secret = typedSecretOf(page);
    lastStep = currentStep();
    const landing = await user.submit(page, { code: totpForStep(secret, lastStep) }, '/enroll-totp');
    const claims = (await rp.callback(landing, request)).claims()!;
    assert.equal(claims.acr, 'aal2');
    for (const value of ['pwd', 'otp', 'mfa']) assert.ok((claims.amr as string[]).includes(value), `amr has ${value}`);
  });

  test('a plain sign-in now reports the highest level the session reaches, without any prompt', async () => {
    const request = await rp.authorize();
    const tokens = await rp.callback(await user.go(request.url), request);
    assert.equal(tokens.claims()!.acr, 'aal2');
  });

  test('max_age=0 asks for a fresh factor even though the session is aal2', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '0' });
    const page = await user.go(request.url);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.doesNotMatch(page.body, /current-password/, 'only the missing factor is asked, not the whole sign-in');
    lastStep += 1;
    const tokens = await rp.callback(await user.submit(page, { code: totpForStep(secret, lastStep) }, '/totp'), request);
    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'aal2');
    assert.ok(Math.abs(Number(claims.auth_time) - Date.now() / 1000) <= 2);
  });

  test('a replayed code is refused', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '0' });
    const page = await user.go(request.url);
    const refused = await user.submit(page, { code: totpForStep(secret, lastStep) }, '/totp');
    assert.equal(refused.status, 400);
    assert.equal(errorCodeOf(refused), 'ERR_CODE_REUSED');
  });

  test('a refreshed token is never fresher than the events behind it', async () => {
    const refreshed = await rp.refresh(firstRefreshToken);
    const claims = refreshed.claims()!;
    assert.equal(claims.acr, 'aal1');
    assert.equal(Number(claims.auth_time), firstAuthTime);
    const { payload } = await jwtVerify(refreshed.access_token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)));
    assert.equal(payload.acr, 'aal1');
    assert.equal(payload.auth_time, firstAuthTime);
  });

  test('acr_values "aal2 aal1" gets aal1 for a user with no second factor, without enrollment', async () => {
    const other = browser();
    const request = await rp.authorize({ acr_values: 'aal2 aal1', prompt: 'login' });
    const form = await other.go(request.url);
    const { users, hashPassword } = await import('../src/index.js');
    await users.createUser(server.server.database.db, { username: 'pat', passwordHash: await hashPassword('correct horse battery') });
    const landing = await other.submit(form, { username: 'pat', password: 'correct horse battery' }, '/password');
    assert.equal((await rp.callback(landing, request)).claims()!.acr, 'aal1');
  });

  test('an essential acr claim is honoured', async () => {
    const request = await rp.authorize({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal2'] } } }) });
    const page = await user.go(request.url);
    const tokens = await rp.callback(page, request);
    assert.equal(tokens.claims()!.acr, 'aal2');
  });
});

describe('wrong codes: the sixth is refused even with the right one, and still after a restart', () => {
  let server: TestServer;

  after(async () => server.destroy());

  test('five wrong codes kill the step-up, across a restart', async () => {
    server = await startTestServer();
    const rp = await RelyingParty.discover(server.issuer);
    const user = browserFor(server);
    const enrolling = await rp.authorize({ acr_values: 'aal2' });
    const enrollPage = await user.submit(await user.go(enrolling.url), { username: DEMO_USER.username, password: DEMO_USER.password }, '/password');
    const secret = typedSecretOf(enrollPage);
    const enrolledStep = currentStep();
    await rp.callback(await user.submit(enrollPage, { code: totpForStep(secret, enrolledStep) }, '/enroll-totp'), enrolling);

    const request = await rp.authorize({ acr_values: 'aal2', max_age: '0' });
    let page = await user.go(request.url);
    const totpForm = page;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      page = await user.submit(totpForm, { code: wrongCode(secret) }, '/totp');
      assert.equal(errorCodeOf(page), 'ERR_CODE_INVALID', `attempt ${attempt}`);
    }
    const rightCode = totpForStep(secret, enrolledStep + 1);
    page = await user.submit(totpForm, { code: rightCode }, '/totp');
    assert.equal(page.status, 429);
    assert.equal(errorCodeOf(page), 'ERR_TOO_MANY_ATTEMPTS');

    const { dataDir } = server;
    const port = Number(new URL(server.issuer).port);
    await server.close();
    server = await startTestServer({ dataDir, port });
    page = await user.submit(totpForm, { code: rightCode }, '/totp');
    assert.equal(errorCodeOf(page), 'ERR_TOO_MANY_ATTEMPTS');
  });
});
