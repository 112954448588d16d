// Shared by the decision API tests: a server with the issue's policy, an API
// key, and JSON calls to /v1.
import type { AuthorizationDetail } from '@stepwise/core';
import { apiKeys, DEMO_USER, epochSeconds } from '../../src/index.js';
import { browserFor, RelyingParty, startTestServer, type TestServer } from './harness.js';
import { enrollTotp, signIn, stepWithMargin, userIdOf, type Enrolled } from './threat-kit.js';
import { totpForStep } from './totp-reference.js';

/** The policy of issue 5, as a YAML-shaped override. */
export const ISSUE_POLICY = {
  default: { acr: 'aal1' },
  rules: [
    { name: 'large-transfer', when: 'action == "transfer.create" && resource.amount > 1000', require: { acr: 'aal2', max_age: 300 } },
    { name: 'account-changes', when: 'action.startsWith("account.")', require: { acr: 'aal2', max_age: 300, methods: ['phishing_resistant'] } },
    { name: 'risky-context', when: 'risk.level == "high"', require: { acr: 'aal2', max_age: 0 } },
    { name: 'blocked-network', when: '"untrusted_ip" in risk.codes', deny: true },
  ],
};

/** A JSON answer. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A decision server whose demo user has an authenticator app, enrolled in a signed-in browser. */
export async function startDecisionServerWithTotp(): Promise<{ server: TestServer; key: string; keyName: string; subject: string; totp: Enrolled }> {
  const started = await startDecisionServer();
  const subject = await userIdOf(started.server, DEMO_USER.username);
  const totp = await enrollTotp((await signIn(started.server)).browser, started.server.issuer, await stepWithMargin(20));
  return { ...started, subject, totp };
}

/** A test server with the issue's policy and one API key. */
export async function startDecisionServer(): Promise<{ server: TestServer; key: string; keyName: string }> {
  const server = await startTestServer({ overrides: { policy: ISSUE_POLICY } });
  const keyName = 'bank-backend';
  const created = await apiKeys.createApiKey(server.server.database.db, { name: keyName, returnTo: ['http://127.0.0.1:9/stepped-up'] }, epochSeconds());
  return { server, key: created.key, keyName };
}

/** Calls the decision API with an API key (or none). */
export async function callApi(server: TestServer, path: string, options: { key?: string; body?: unknown; method?: string } = {}): Promise<JsonAnswer> {
  const response = await fetch(`${server.issuer}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A payment of 5,000.00 EUR to ACME, as RFC 9396 `authorization_details`; `amount` changes the amount. */
export function paymentDetails(amount = '5000.00'): AuthorizationDetail[] {
  return [{
    type: 'payment_initiation',
    instructedAmount: { currency: 'EUR', amount },
    creditorName: 'ACME',
    creditorAccount: { iban: 'DE89370400440532013000' },
    remittanceInformationUnstructured: 'Invoice 2026-117',
  }];
}

/** An aal1 ID token of the demo user: an openid-client sign-in with the password only. */
export async function passwordIdToken(server: TestServer): Promise<string> {
  const rp = await RelyingParty.discover(server.issuer);
  const request = await rp.authorize();
  const browser = browserFor(server);
  const form = await browser.go(request.url);
  const tokens = await rp.callback(await browser.submit(form, { username: DEMO_USER.username, password: DEMO_USER.password }, '/password'), request);
  return tokens.id_token!;
}

/**
 * A large transfer bound to `details`, decided with the user's aal1 ID
 * token, stepped up and answered with the next TOTP code through the JSON
 * API: the real receipt an app would get.
 */
export async function approveBoundTransfer(
  server: TestServer,
  kit: { key: string; subject: string; totp: Enrolled },
  details: unknown = paymentDetails(),
): Promise<{ decisionId: string; challengeId: string; receipt: string }> {
  const decided = await callApi(server, '/v1/decisions', {
    key: kit.key,
    body: { subject: kit.subject, action: 'transfer.create', resource: { amount: 5000 }, authorization_details: details, token: await passwordIdToken(server) },
  });
  if (decided.body.decision !== 'step_up') throw new Error(`expected step_up: ${JSON.stringify(decided.body)}`);
  const challengeId = (decided.body.challenge as { id: string }).id;
  const done = await callApi(server, `/v1/challenges/${challengeId}/verify`, {
    key: kit.key, body: { method: 'totp', code: totpForStep(kit.totp.secret, kit.totp.step + 1) },
  });
  if (done.body.state !== 'satisfied') throw new Error(`expected a receipt: ${JSON.stringify(done.body)}`);
  return { decisionId: String(decided.body.decision_id), challengeId, receipt: String(done.body.receipt) };
}
