// Requests bound to one transaction (RFC 9396 authorization_details, pushed
// with RFC 9126 PAR through openid-client) and accounts ready to approve
// them with an authenticator app.
import * as oidc from 'openid-client';
import { errorCodeOf, formOf, type Browser, type Page } from './browser.js';
import { RP_CLIENT_ID, RP_REDIRECT_URI, type RelyingParty, type TestServer } from './harness.js';
import { addUser, enrollTotp, send, signIn, stepWithMargin, type Answer } from './threat-kit.js';
import { totpForStep } from './totp-reference.js';

/** A payment of 5,000.00 EUR to ACME: what the approval page must show. */
export const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '5000.00' },
  creditorName: 'ACME',
  creditorAccount: { iban: 'DE89370400440532013000' },
  remittanceInformationUnstructured: 'Invoice 2024-117',
} as const;

/** A second, different payment. */
export const OTHER_PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '12.50' },
  creditorName: 'Corner Shop',
} as const;

/** Any other sensitive action. */
export const DELETE_PRODUCTION = {
  type: 'stepwise_action',
  action: 'environment.delete',
  resource: { environment: 'production', project: 'acme' },
} as const;

/** An authorization request pushed to the PAR endpoint, and what its callback needs. */
export interface PushedRequest {
  /** The authorization URL: `client_id` and `request_uri` only. */
  readonly url: string;
  readonly verifier: string;
  readonly state: string;
}

/**
 * Pushes an authorization request carrying `details` with openid-client's
 * `buildAuthorizationUrlWithPAR`, as a relying party does.
 *
 * @param rp - the relying party
 * @param details - the `authorization_details`
 * @param params - more parameters (`acr_values`, `prompt`)
 */
export async function pushAuthorization(rp: RelyingParty, details: readonly unknown[], params: Record<string, string> = {}): Promise<PushedRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = await oidc.buildAuthorizationUrlWithPAR(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    authorization_details: JSON.stringify(details),
    ...params,
  });
  return { url: url.href, verifier, state };
}

/**
 * A raw POST to the PAR endpoint as the test client, with any fields
 * (the defaults make an otherwise valid request).
 *
 * @param server - the test server
 * @param fields - fields to add or replace
 * @param headers - extra headers (`origin`)
 */
export async function pushRaw(server: TestServer, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return send(`${server.issuer}/request`, {
    headers,
    form: {
      client_id: RP_CLIENT_ID,
      response_type: 'code',
      redirect_uri: RP_REDIRECT_URI,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...fields,
    },
  });
}

/** An account signed in with its password and an authenticator app, with two unused codes. */
export interface Approver {
  readonly browser: Browser;
  readonly username: string;
  /** The code of the next unused time step (two are available). */
  nextCode(): string;
}

/**
 * Creates an account, signs it in and enrolls an authenticator app with the
 * code of the previous time step, so the codes of this step and the next
 * remain for approvals (a used step is refused; only ±1 step is accepted).
 *
 * @param server - the test server
 * @param username - a new username
 */
export async function approver(server: TestServer, username: string): Promise<Approver> {
  const credentials = { username, password: `${username} long passphrase` };
  await addUser(server, credentials);
  const step = await stepWithMargin(20);
  const { browser } = await signIn(server, credentials);
  const { secret } = await enrollTotp(browser, server.issuer, step - 1);
  let next = step;
  return {
    browser,
    username,
    nextCode() {
      if (next > step + 1) throw new Error('both spare codes are used');
      return totpForStep(secret, next++);
    },
  };
}

/** Submits the code form of a step-up page; fails loudly if the page has none. */
export async function answerWithCode(browser: Browser, page: Page, code: string): Promise<Page> {
  formOf(page, '/totp');
  const landing = await browser.submit(page, { code }, '/totp');
  if (errorCodeOf(landing)) throw new Error(`the code was refused: ${errorCodeOf(landing)}\n${landing.body.slice(0, 1500)}`);
  return landing;
}

/** The OAuth error a redirect back to the client carries, with its description. */
export function redirectError(page: Page): { error: string | null; description: string | null; code: string | null } {
  const { searchParams } = new URL(page.url);
  return { error: searchParams.get('error'), description: searchParams.get('error_description'), code: searchParams.get('code') };
}
