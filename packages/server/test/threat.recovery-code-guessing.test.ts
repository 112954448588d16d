// Threat: an attacker who has the password but not the second factor picks
// "use a recovery code" and guesses, hoping that codes have a limit of their
// own, or none, apart from the authenticator app's. Within one step-up they
// get the same five tries as for TOTP codes (wrong recovery codes and wrong
// TOTP codes add up), after which even the right code is refused; spreading
// guesses over many step-ups runs into the per-account limit, which a server
// restart does not reset. Malformed input is charged like any wrong code.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { StepwiseError } from '@stepwise/core';
import { users } from '../src/index.js';
import { generateRecoveryCode, formatRecoveryCode } from '../src/factors/recovery-codes.js';
import { generateTotpSecret, totpSecretContext } from '../src/factors/totp.js';
import { countRemainingRecoveryCodes, generateRecoveryCodes, verifyRecoveryCode } from '../src/flows/recovery-codes.js';
import { verifyTotpCode, type AttemptScope } from '../src/flows/totp-verification.js';
import { confirmFactor, createFactor, listFactors } from '../src/storage/factors.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { addUser, wrongCodes } from './support/threat-kit.js';

/** Rejects with the given catalogue code; hands the error on for more checks. */
async function refusedWith(promise: Promise<unknown>, expected: string): Promise<StepwiseError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StepwiseError, `expected a StepwiseError, got ${String(err)}`);
    assert.equal(err.code, expected);
    return err;
  }
  assert.fail(`accepted; expected ${expected}`);
}

/** A well-formed code that is not in the victim's set (a repeat of 80 random bits will not happen). */
const guess = () => formatRecoveryCode(generateRecoveryCode());

interface Victim {
  readonly user: users.User;
  readonly codes: string[];
}

async function victimWithCodes(server: TestServer): Promise<Victim> {
  const id = await addUser(server, { username: `guess-${randomUUID().slice(0, 8)}`, password: 'guessing password' });
  const user = (await users.findUserById(server.server.database.db, id))!;
  return { user, codes: await generateRecoveryCodes(server.server.services, user) };
}

async function tryCode(server: TestServer, victim: Victim, code: string, scope: AttemptScope) {
  const factors = await listFactors(server.server.database.db, victim.user.id, { confirmedOnly: true });
  return verifyRecoveryCode(server.server.services, { factors, code, scope });
}

const stepUp = (victim: Victim): AttemptScope => ({ challengeKey: `step-up:${randomUUID()}`, userId: victim.user.id });

describe('wrong recovery codes in one step-up', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.destroy());

  test('after maxAttemptsPerChallenge wrong codes the right code is refused with ERR_TOO_MANY_ATTEMPTS', async () => {
    const victim = await victimWithCodes(server);
    const { maxAttemptsPerChallenge } = server.server.services.config.stepUp;
    assert.equal(maxAttemptsPerChallenge, 5);
    const scope = stepUp(victim);
    const left: unknown[] = [];
    for (let i = 0; i < maxAttemptsPerChallenge; i++) {
      // Malformed input among the guesses: it must cost a try like any other.
      const code = i === 2 ? 'not-a-code' : guess();
      left.push((await refusedWith(tryCode(server, victim, code, scope), 'ERR_CODE_INVALID')).details.attempts_left);
    }
    assert.deepEqual(left, [4, 3, 2, 1, 0]);

    const right = await refusedWith(tryCode(server, victim, victim.codes[0]!, scope), 'ERR_TOO_MANY_ATTEMPTS');
    assert.equal(right.status, 429);
    assert.equal(right.details.limit, 5);
  });

  test('the refused right code was not spent: a new step-up accepts it', async () => {
    const victim = await victimWithCodes(server);
    const scope = stepUp(victim);
    for (let i = 0; i < 5; i++) await refusedWith(tryCode(server, victim, guess(), scope), 'ERR_CODE_INVALID');
    await refusedWith(tryCode(server, victim, victim.codes[0]!, scope), 'ERR_TOO_MANY_ATTEMPTS');

    const factors = await listFactors(server.server.database.db, victim.user.id, { confirmedOnly: true });
    assert.equal(await countRemainingRecoveryCodes(server.server.services, factors), 10);
    assert.equal((await tryCode(server, victim, victim.codes[0]!, stepUp(victim))).remaining, 9);
  });

  test('wrong TOTP codes and wrong recovery codes share one limit', async () => {
    const victim = await victimWithCodes(server);
    const { services } = server.server;
    const factorId = randomUUID();
    const secret = generateTotpSecret();
    await createFactor(services.db, {
      id: factorId,
      userId: victim.user.id,
      method: 'totp',
      name: 'Phone',
      secret: services.box.seal(secret, totpSecretContext(factorId)),
    });
    await confirmFactor(services.db, factorId, services.now());
    const factors = await listFactors(services.db, victim.user.id, { confirmedOnly: true });

    const scope = stepUp(victim);
    for (const code of wrongCodes(secret, 3)) {
      await refusedWith(verifyTotpCode(services, { factors, code, scope }), 'ERR_CODE_INVALID');
    }
    await refusedWith(tryCode(server, victim, guess(), scope), 'ERR_CODE_INVALID');
    const last = await refusedWith(tryCode(server, victim, guess(), scope), 'ERR_CODE_INVALID');
    assert.equal(last.details.attempts_left, 0);
    await refusedWith(tryCode(server, victim, victim.codes[0]!, scope), 'ERR_TOO_MANY_ATTEMPTS');
  });
});

describe('wrong recovery codes spread over many step-ups lock the account', () => {
  const overrides = { lockout: { account_max_failures: 3 } };
  let server: TestServer;
  let victim: Victim;

  before(async () => {
    server = await startTestServer({ overrides });
    victim = await victimWithCodes(server);
  });
  after(async () => server?.destroy());

  test('accountMaxFailures wrong codes in as many step-ups, then the right code in another is refused with ERR_ACCOUNT_LOCKED', async () => {
    const { accountMaxFailures, accountWindowSeconds } = server.server.services.config.stepUp;
    assert.equal(accountMaxFailures, 3);
    for (let i = 0; i < accountMaxFailures; i++) {
      const refusal = await refusedWith(tryCode(server, victim, guess(), stepUp(victim)), 'ERR_CODE_INVALID');
      assert.equal(refusal.details.attempts_left, 4, 'each step-up on its own is far from its limit');
    }
    const locked = await refusedWith(tryCode(server, victim, victim.codes[0]!, stepUp(victim)), 'ERR_ACCOUNT_LOCKED');
    assert.equal(locked.status, 429);
    const retryAfter = locked.details.retry_after;
    assert.ok(typeof retryAfter === 'number' && retryAfter > 0 && retryAfter <= accountWindowSeconds, `retry_after ${String(retryAfter)}`);
  });

  test('the lock survives a restart, and the right code is still unspent', async () => {
    const { dataDir } = server;
    const port = Number(new URL(server.issuer).port);
    await server.close();
    server = await startTestServer({ dataDir, port, overrides });
    await refusedWith(tryCode(server, victim, victim.codes[0]!, stepUp(victim)), 'ERR_ACCOUNT_LOCKED');
    const factors = await listFactors(server.server.database.db, victim.user.id, { confirmedOnly: true });
    assert.equal(await countRemainingRecoveryCodes(server.server.services, factors), 10);
  });
});
