// /metrics as Prometheus scrapes it, over real HTTP: requests counted by
// route template (never the URL, so ids and codes never become labels),
// their durations in a histogram, decisions and step-ups counted from what
// the audit log committed, Node's process metrics, and one registry per
// server (two servers in one process count apart).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HTTP_DURATION_BUCKETS } from '../src/metrics/stepwise-metrics.js';
import { callApi, passwordIdToken, startDecisionServerWithTotp } from './support/decision-kit.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { wrongCodes, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

/** One sample of the text exposition format. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape: its samples, and its raw text for `# TYPE` lines. */
interface Scrape {
  readonly text: string;
  readonly samples: readonly Sample[];
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(server: TestServer): Promise<Scrape> {
  // Answers are sent after their events are committed; the flush only makes the test immune to a slow disk.
  await server.server.services.audit.flush();
  const response = await fetch(`${server.issuer}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

/** The value of the one sample with exactly these labels (0 when absent). */
function valueOf(scraped: Scrape, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels);
  const found = scraped.samples.filter(
    (sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([key, value]) => sample.labels[key] === value),
  );
  assert.ok(found.length <= 1, `one ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

function delta(before: Scrape, after: Scrape, name: string, labels: Record<string, string>): number {
  return valueOf(after, name, labels) - valueOf(before, name, labels);
}

describe('/metrics', () => {
  let server: TestServer;
  let key = '';
  let subject = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, subject, totp } = await startDecisionServerWithTotp());
  });
  after(async () => server?.destroy());

  test('answers in the text exposition format, with process metrics and the known series at zero', async () => {
    const response = await fetch(`${server.issuer}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const text = await response.text();
    for (const [name, type] of [
      ['stepwise_http_requests_total', 'counter'],
      ['stepwise_http_request_duration_seconds', 'histogram'],
      ['stepwise_decisions_total', 'counter'],
      ['stepwise_step_ups_total', 'counter'],
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
    }
    const scraped = { text, samples: parseExposition(text) };
    for (const outcome of ['allow', 'step_up', 'deny']) {
      assert.ok(scraped.samples.some((sample) => sample.name === 'stepwise_decisions_total' && sample.labels.outcome === outcome), `decisions{outcome="${outcome}"}`);
    }
    for (const result of ['satisfied', 'failed']) {
      assert.ok(scraped.samples.some((sample) => sample.name === 'stepwise_step_ups_total' && sample.labels.method === 'totp' && sample.labels.result === result));
    }
  });

  test('requests are counted by route template and status, never by URL, and timed in buckets', async () => {
    const before = await scrape(server);
    for (let i = 0; i < 3; i += 1) assert.equal((await fetch(`${server.issuer}/healthz`)).status, 200);
    for (const id of ['chl_not_a_real_one', 'chl_another_made_up_id']) {
      assert.equal((await callApi(server, `/v1/challenges/${id}`, { key })).status, 404);
    }
    assert.equal((await fetch(`${server.issuer}/no/such/page/12345?code=654321&state=xyz`)).status, 404);
    // oidc-provider's routes: the reply is hijacked, and still counted.
    assert.equal((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status, 200);
    assert.equal((await fetch(`${server.issuer}/auth/made-up-uid`)).status >= 300, true);
    const after = await scrape(server);

    const requests = 'stepwise_http_requests_total';
    assert.equal(delta(before, after, requests, { method: 'GET', route: '/healthz', status: '200' }), 3);
    assert.equal(delta(before, after, requests, { method: 'GET', route: '/v1/challenges/:id', status: '404' }), 2);
    assert.equal(delta(before, after, requests, { method: 'GET', route: 'unmatched', status: '404' }), 1);
    assert.equal(delta(before, after, requests, { method: 'GET', route: '/.well-known/openid-configuration', status: '200' }), 1);
    assert.ok(after.samples.some((sample) => sample.name === requests && sample.labels.route === '/auth/*'), 'the provider route /auth/*');
    // The previous scrape is counted too, once it has been answered.
    assert.ok(delta(before, after, requests, { method: 'GET', route: '/metrics', status: '200' }) >= 1);

    const routes = new Set(after.samples.filter((sample) => sample.labels.route !== undefined).map((sample) => sample.labels.route!));
    for (const route of routes) {
      assert.ok(route === 'unmatched' || route.startsWith('/'), `a template: ${route}`);
      assert.doesNotMatch(route, /chl_|12345|654321|\?|made-up/, `no id, code or query in ${route}`);
    }

    const histogram = 'stepwise_http_request_duration_seconds';
    const healthz = { method: 'GET', route: '/healthz' };
    const buckets = after.samples.filter((sample) => sample.name === `${histogram}_bucket` && sample.labels.route === '/healthz');
    assert.deepEqual(buckets.map((sample) => sample.labels.le), [...HTTP_DURATION_BUCKETS.map(String), '+Inf']);
    buckets.slice(1).forEach((bucket, index) => assert.ok(bucket.value >= buckets[index]!.value, 'buckets are cumulative'));
    assert.equal(delta(before, after, `${histogram}_count`, healthz), 3);
    assert.equal(delta(before, after, `${histogram}_bucket`, { ...healthz, le: '+Inf' }), 3);
    const seconds = delta(before, after, `${histogram}_sum`, healthz);
    assert.ok(seconds > 0 && seconds < 5, `three health checks took ${seconds} s`);
  });

  test('decisions by outcome and step-ups by method and result, as the audit log committed them', async () => {
    const idToken = await passwordIdToken(server);
    const transfer = (amount: number) => ({ subject, action: 'transfer.create', resource: { amount }, token: idToken });
    const before = await scrape(server);

    const small = await callApi(server, '/v1/decisions', { key, body: transfer(50) });
    assert.equal(small.body.decision, 'allow', JSON.stringify(small.body));
    const large = await callApi(server, '/v1/decisions', { key, body: transfer(5000) });
    assert.equal(large.body.decision, 'step_up', JSON.stringify(large.body));
    const challengeId = (large.body.challenge as { id: string }).id;
    const wrong = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key, body: { method: 'totp', code: wrongCodes(totp.secret, 1)[0] } });
    assert.notEqual(wrong.status, 200, JSON.stringify(wrong.body));
    const right = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(right.body.state, 'satisfied', JSON.stringify(right.body));
    const after = await scrape(server);

    assert.equal(delta(before, after, 'stepwise_decisions_total', { outcome: 'allow' }), 1);
    assert.equal(delta(before, after, 'stepwise_decisions_total', { outcome: 'step_up' }), 1);
    assert.equal(delta(before, after, 'stepwise_decisions_total', { outcome: 'deny' }), 0);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'totp', result: 'failed' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'totp', result: 'satisfied' }), 1);
    assert.equal(delta(before, after, 'stepwise_http_requests_total', { method: 'POST', route: '/v1/decisions', status: '200' }), 2);
    assert.equal(delta(before, after, 'stepwise_http_requests_total', { method: 'POST', route: '/v1/challenges/:id/verify', status: '200' }), 1);
    assert.doesNotMatch(after.text, new RegExp(`${subject}|${challengeId}|${String(large.body.decision_id)}`), 'no user, challenge or decision id anywhere');
  });

  test('events of other shapes are counted under bounded labels', async () => {
    const { audit } = server.server.services;
    const before = await scrape(server);
    await Promise.all([
      audit.record({ type: 'decision', outcome: 'maybe' }),
      audit.record({ type: 'step_up_satisfied', outcome: 'webauthn' }),
      audit.record({ type: 'step_up_satisfied', outcome: 'satisfied' }),
      audit.record({ type: 'step_up_failed', outcome: 'ERR_INVALID_CODE', details: { method: 'carrier_pigeon' } }),
      audit.record({ type: 'step_up_failed', outcome: 'ERR_INVALID_CODE', details: { method: 'sms_otp' } }),
      audit.record({ type: 'sign_in', outcome: 'pwd', details: { method: 'password' } }),
    ]);
    const after = await scrape(server);
    assert.equal(delta(before, after, 'stepwise_decisions_total', { outcome: 'unknown' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'webauthn', result: 'satisfied' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'unknown', result: 'satisfied' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'unknown', result: 'failed' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'sms_otp', result: 'failed' }), 1);
    assert.equal(delta(before, after, 'stepwise_step_ups_total', { method: 'password', result: 'satisfied' }), 0);
    assert.doesNotMatch(after.text, /maybe|carrier_pigeon/);
  });

  test('another server in the same process has a registry of its own', async () => {
    const other = await startTestServer();
    try {
      const ours = await scrape(server);
      assert.equal((await fetch(`${other.issuer}/healthz`)).status, 200);
      const theirs = await scrape(other);
      assert.equal(valueOf(theirs, 'stepwise_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 1);
      assert.equal(valueOf(theirs, 'stepwise_decisions_total', { outcome: 'allow' }), 0);
      const again = await scrape(server);
      assert.equal(delta(ours, again, 'stepwise_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 0);
    } finally {
      await other.destroy();
    }
  });
});
