import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createStepUpFetch, type StepUpChallenge } from '../src/index.js';
import { sendJson, startServer, type TestServer } from './helpers/http-server.js';

const CHALLENGE =
  'Bearer realm="bank", error="insufficient_user_authentication", error_description="A stronger authentication is required", acr_values="aal2 aal3", max_age=300';

const PAYMENT = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '10.00' }, creditorName: 'ACME' }];
const BOUND_CHALLENGE = `Bearer error="insufficient_user_authentication", acr_values="aal2", max_age=300, authorization_details="${Buffer.from(
  JSON.stringify(PAYMENT),
).toString('base64url')}"`;

// An API that wants the token `strong` on every route but a few fixed answers.
function bankApi(): Promise<TestServer> {
  return startServer((request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (request.path === '/forbidden') return sendJson(response, 403, { error: 'forbidden' });
    if (request.path === '/revoked') {
      return sendJson(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (request.path === '/payments' && token !== 'bound') {
      return sendJson(response, 401, { error: 'ERR_TXN_UNBOUND' }, { 'www-authenticate': BOUND_CHALLENGE });
    }
    if (request.path === '/always-challenge' || (token !== 'strong' && token !== 'bound')) {
      return sendJson(response, 401, { error: 'step_up' }, { 'www-authenticate': CHALLENGE });
    }
    return sendJson(response, 200, { method: request.method, body: request.body });
  });
}

describe('createStepUpFetch against a real HTTP server', () => {
  let api: TestServer;
  let token: string | undefined;
  let stepUps: Array<{ challenge: StepUpChallenge; request: Request }>;
  let answer: string | undefined;

  const apiFetch = createStepUpFetch({
    getAccessToken: () => token,
    stepUp: async (challenge, request) => {
      stepUps.push({ challenge, request });
      return answer;
    },
  });

  before(async () => {
    api = await bankApi();
  });
  after(() => api.close());
  beforeEach(() => {
    api.seen.length = 0;
    token = 'weak';
    stepUps = [];
    answer = 'strong';
  });

  test('calls stepUp with the parsed challenge, then retries once with the new token', async () => {
    const response = await apiFetch(`${api.origin}/accounts`, { headers: { 'x-trace': 'abc' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { method: 'GET', body: '' });

    assert.equal(stepUps.length, 1);
    assert.deepEqual(stepUps[0]?.challenge, {
      error: 'insufficient_user_authentication',
      description: 'A stronger authentication is required',
      acrValues: ['aal2', 'aal3'],
      maxAge: 300,
    });
    assert.equal(stepUps[0]?.request.method, 'GET');
    assert.equal(stepUps[0]?.request.url, `${api.origin}/accounts`);

    assert.deepEqual(
      api.seen.map((seen) => [seen.method, seen.path, seen.headers.authorization, seen.headers['x-trace']]),
      [
        ['GET', '/accounts', 'Bearer weak', 'abc'],
        ['GET', '/accounts', 'Bearer strong', 'abc'],
      ],
    );
  });

  test('a bound challenge reaches stepUp with its details; the token it yields is used for the one retry', async () => {
    answer = 'bound';
    const response = await apiFetch(`${api.origin}/payments`, { method: 'POST', body: '{"amount":"10.00"}' });
    assert.equal(response.status, 200);
    assert.deepEqual(stepUps[0]?.challenge, {
      error: 'insufficient_user_authentication',
      acrValues: ['aal2'],
      maxAge: 300,
      authorizationDetails: PAYMENT,
    });
    assert.deepEqual(api.seen.map((seen) => seen.headers.authorization), ['Bearer weak', 'Bearer bound']);
    // The wrapper keeps no token of its own: the next call asks getAccessToken again.
    await apiFetch(`${api.origin}/accounts`);
    assert.equal(api.seen[2]?.headers.authorization, 'Bearer weak');
  });

  test('a POST JSON body is replayed intact, with the same method and headers', async () => {
    const transfer = JSON.stringify({ to: 'FR76 3000 6000 0112 3456 7890 189', amount: '1500.00', memo: 'rent, "june" — ✓' });
    const response = await apiFetch(`${api.origin}/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body: transfer,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { method: 'POST', body: transfer });
    assert.equal(api.seen.length, 2);
    for (const seen of api.seen) {
      assert.equal(seen.method, 'POST');
      assert.equal(seen.body, transfer);
      assert.equal(seen.headers['content-type'], 'application/json');
      assert.equal(seen.headers['idempotency-key'], 'k-1');
    }
  });

  test('stepUp gets the request unread and without the bearer token', async () => {
    let seenBody: string | undefined;
    const inspecting = createStepUpFetch({
      getAccessToken: () => 'weak',
      stepUp: async (_challenge, request) => {
        assert.equal(request.headers.get('authorization'), null);
        seenBody = await request.text();
        return 'strong';
      },
    });
    const response = await inspecting(`${api.origin}/transfers`, { method: 'PUT', body: 'amount=5' });
    assert.equal(seenBody, 'amount=5');
    assert.equal(response.status, 200);
    assert.equal(api.seen[1]?.body, 'amount=5');
  });

  test('a Request object as input works the same', async () => {
    const request = new Request(`${api.origin}/transfers`, { method: 'POST', body: new URLSearchParams({ amount: '7' }) });
    const response = await apiFetch(request);
    assert.equal(response.status, 200);
    assert.deepEqual(api.seen.map((seen) => seen.body), ['amount=7', 'amount=7']);
  });

  test('a second challenge is returned unchanged, without looping', async () => {
    const response = await apiFetch(`${api.origin}/always-challenge`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), CHALLENGE);
    assert.deepEqual(await response.json(), { error: 'step_up' });
    assert.equal(stepUps.length, 1);
    assert.equal(api.seen.length, 2);
  });

  test('when stepUp gives up, the first 401 is returned with its body', async () => {
    answer = undefined;
    const response = await apiFetch(`${api.origin}/accounts`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), CHALLENGE);
    assert.deepEqual(await response.json(), { error: 'step_up' });
    assert.equal(api.seen.length, 1);
  });

  test('200 passes through without a step-up', async () => {
    token = 'strong';
    const response = await apiFetch(`${api.origin}/accounts`);
    assert.equal(response.status, 200);
    assert.equal(stepUps.length, 0);
    assert.equal(api.seen.length, 1);
  });

  test('403 passes through untouched', async () => {
    const response = await apiFetch(`${api.origin}/forbidden`);
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { error: 'forbidden' });
    assert.equal(stepUps.length, 0);
    assert.equal(api.seen.length, 1);
  });

  test('401 invalid_token passes through untouched', async () => {
    const response = await apiFetch(`${api.origin}/revoked`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(stepUps.length, 0);
    assert.equal(api.seen.length, 1);
  });

  test('without a token no Authorization header is sent', async () => {
    token = undefined;
    answer = undefined;
    await apiFetch(`${api.origin}/accounts`);
    assert.equal(api.seen[0]?.headers.authorization, undefined);
  });

  test('an async token source and a custom fetch are used', async () => {
    const sent: string[] = [];
    const custom = createStepUpFetch({
      getAccessToken: async () => 'strong',
      stepUp: async () => undefined,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(request.headers.get('authorization') ?? '');
        return fetch(request);
      },
    });
    assert.equal((await custom(`${api.origin}/accounts`)).status, 200);
    assert.deepEqual(sent, ['Bearer strong']);
  });

  test('an error thrown by stepUp reaches the caller', async () => {
    const failing = createStepUpFetch({
      getAccessToken: () => 'weak',
      stepUp: async () => {
        throw new Error('user cancelled');
      },
    });
    await assert.rejects(failing(`${api.origin}/accounts`), /user cancelled/);
  });
});
