// Threat: an attacker guesses passwords at /login and, on the way, learns
// which usernames exist: from a different status, error code or page, from
// a faster answer (no argon2id for an unknown user), or from a lockout that
// only known usernames get. Per-username lockout must apply to unknown names
// too, and neither a restart nor a change of letter case may lift it.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { formOf, type Browser } from './support/browser.js';
import { browserFor, startTestServer, type TestServer } from './support/harness.js';
import { DEMO, errorCodeIn, send, type Answer, type Credentials } from './support/threat-kit.js';

const UNKNOWN: Credentials = { username: 'nobody-here', password: 'some guess' };
const WRONG_PASSWORD: Credentials = { username: DEMO.username, password: 'not the password' };

/** Posts a sign-in form of `browser` with these credentials, as the browser would. */
async function tryCredentials(server: TestServer, browser: Browser, credentials: Credentials): Promise<Answer> {
  const { action, fields } = formOf(await browser.go(`${server.issuer}/login?return_to=/account`), '/login');
  return send(action, { browser, accept: 'text/html', form: { ...fields, ...credentials } });
}

/** The page with what legitimately differs blanked: the CSRF token and the username echoed back. */
function comparable(answer: Answer, username: string): string {
  return answer.body
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""')
    .replaceAll(`value="${username}"`, 'value=""');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('an unknown username and a wrong password are indistinguishable', () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({ overrides: { lockout: { ip_max_failures: 1000 } } });
    browser = browserFor(server);
  });
  after(async () => server.destroy());

  test('same status, same error code, same page apart from the CSRF token', async () => {
    const unknown = await tryCredentials(server, browser, UNKNOWN);
    const wrong = await tryCredentials(server, browser, WRONG_PASSWORD);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(errorCodeIn(unknown), 'ERR_INVALID_CREDENTIALS');
    assert.equal(errorCodeIn(wrong), 'ERR_INVALID_CREDENTIALS');
    assert.equal(comparable(unknown, UNKNOWN.username), comparable(wrong, WRONG_PASSWORD.username));
    assert.equal(unknown.headers.get('set-cookie')?.includes('stepwise_session'), wrong.headers.get('set-cookie')?.includes('stepwise_session'));
  });

  test('similar timing: both pay for argon2id (medians within 3x)', async () => {
    const timings = { unknown: [] as number[], wrong: [] as number[] };
    for (let round = 0; round < 5; round += 1) {
      for (const [kind, credentials] of [['unknown', UNKNOWN], ['wrong', WRONG_PASSWORD]] as const) {
        const { action, fields } = formOf(await browser.go(`${server.issuer}/login`), '/login');
        const started = performance.now();
        const answer = await send(action, { browser, accept: 'text/html', form: { ...fields, ...credentials } });
        timings[kind].push(performance.now() - started);
        assert.equal(answer.status, 401);
      }
    }
    const [unknown, wrong] = [median(timings.unknown), median(timings.wrong)];
    assert.ok(Math.max(unknown, wrong) / Math.min(unknown, wrong) < 3, `medians: unknown ${unknown.toFixed(1)} ms, wrong password ${wrong.toFixed(1)} ms`);
  });
});

describe('per-username lockout', () => {
  const overrides = { lockout: { account_max_failures: 3, ip_max_failures: 1000 } };
  let server: TestServer;
  let browser: Browser;
  const lockedAnswers: Answer[] = [];

  before(async () => {
    server = await startTestServer({ overrides });
    browser = browserFor(server);
  });
  after(async () => server.destroy());

  async function expectLocked(credentials: Credentials): Promise<Answer> {
    const answer = await tryCredentials(server, browser, credentials);
    assert.equal(answer.status, 429, `${credentials.username}: ${answer.status}`);
    assert.equal(errorCodeIn(answer), 'ERR_ACCOUNT_LOCKED', credentials.username);
    assert.ok(!answer.headers.get('set-cookie')?.includes('stepwise_session'), 'no session is started');
    lockedAnswers.push(answer);
    return answer;
  }

  test('locks an unknown username exactly like a known one, even against the right password', async () => {
    for (const credentials of [UNKNOWN, WRONG_PASSWORD]) {
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const answer = await tryCredentials(server, browser, credentials);
        assert.equal(errorCodeIn(answer), 'ERR_INVALID_CREDENTIALS', `${credentials.username} attempt ${attempt}`);
      }
    }
    const unknown = await expectLocked(UNKNOWN);
    const known = await expectLocked(DEMO);
    assert.equal(comparable(unknown, UNKNOWN.username), comparable(known, DEMO.username));
  });

  test('another letter case or surrounding spaces do not dodge the lock', async () => {
    await expectLocked({ username: ' DEMO ', password: DEMO.password });
    await expectLocked({ username: 'Nobody-Here', password: UNKNOWN.password });
  });

  test('the lock survives a restart', async () => {
    const { dataDir } = server;
    const port = Number(new URL(server.issuer).port);
    await server.close();
    server = await startTestServer({ dataDir, port, overrides });
    await expectLocked(UNKNOWN);
    await expectLocked(DEMO);
  });

  test('every locked answer says when to retry (Retry-After)', () => {
    assert.ok(lockedAnswers.length >= 4);
    for (const answer of lockedAnswers) {
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900, `Retry-After: ${answer.headers.get('retry-after')}`);
    }
  });
});
