import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startServer, type SeenRequest, type TestServer } from './http-server.js';

/** An unsigned-but-well-formed compact JWS: the client never checks signatures. */
export function fakeJwt(payload: Record<string, unknown>): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'ES256', typ: 'JWT' })}.${encode(payload)}.${Buffer.from('sig').toString('base64url')}`;
}

function payloadOf(jwt: string): Record<string, unknown> | undefined {
  const part = jwt.split('.')[1];
  return part === undefined ? undefined : (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  acr: string;
  resource: string | null;
  /** The pushed `authorization_details` JSON text, for a bound request. */
  authorizationDetails: string | null;
}

/** How the simulated user and provider answer one authorization request. */
export interface AuthorizeAnswer {
  /** The level reached; default the first `acr_values`, else `aal1`. */
  acr?: string;
  /** Puts another nonce in the ID token, as a code from another sign-in would. */
  nonce?: string;
  /** Answers with this OAuth error instead of a code. */
  error?: string;
}

/** How the PAR endpoint answers instead of accepting, to test failures. */
export interface ParFailure {
  status: number;
  /** Sent as is. */
  body: string;
  contentType?: string;
}

/** Options of {@link startFakeProvider}. */
export interface FakeProviderOptions {
  /** Announce and serve a PAR endpoint; default true. */
  par?: boolean;
}

/**
 * A fake OpenID Provider and resource server in one real HTTP server:
 * discovery, a PAR endpoint (RFC 9126) that records what was pushed, a
 * token endpoint that checks PKCE and issues bound tokens for pushed
 * `authorization_details`, and an API whose `POST /api/transfers` needs
 * `acr=aal2` and whose `POST /api/payments` needs a token bound to the
 * payment in its body, as `@stepwise/guard`'s `requireTransaction` does.
 */
export interface FakeProvider {
  readonly server: TestServer;
  readonly issuer: string;
  /** The API audience, sent as the resource indicator. */
  readonly resource: string;
  /** Access tokens the API now refuses with `invalid_token`. */
  readonly revoked: Set<string>;
  /** Plays the user at the authorization endpoint; returns the callback URL. */
  authorize(authorizationUrl: string, answer?: AuthorizeAnswer): string;
  /** API requests seen, in order. */
  apiRequests(): SeenRequest[];
  /** The bodies of the pushed authorization requests, in order. */
  readonly pushed: URLSearchParams[];
  /** When set, the PAR endpoint answers with this. */
  parFailure: ParFailure | undefined;
  /** When true, the API refuses bound tokens with `invalid_token`. */
  refuseBoundTokens: boolean;
}

/** The `authorization_details` the payments API expects for a body `{ amount, currency, payee }`. */
export function paymentDetails(payment: { amount: string; currency: string; payee: string }): Array<Record<string, unknown>> {
  return [{ type: 'payment_initiation', instructedAmount: { currency: payment.currency, amount: payment.amount }, creditorName: payment.payee }];
}

const TRANSFER_CHALLENGE = 'Bearer error="insufficient_user_authentication", error_description="Transfers need aal2", acr_values="aal2", max_age=300';

/** The refusal of `requireTransaction`: an RFC 9470 challenge carrying the expected details. */
function sendTransactionChallenge(response: ServerResponse, code: string, expected: unknown[]): void {
  const encoded = Buffer.from(JSON.stringify(expected), 'utf8').toString('base64url');
  const challenge = `Bearer error="insufficient_user_authentication", error_description="Approve this payment", acr_values="aal2", max_age=300, authorization_details="${encoded}"`;
  sendJson(
    response,
    401,
    { error: code, message: 'This request needs a token approved for its transaction details', authorization_details: expected, txn: 'txn-hash' },
    { 'www-authenticate': challenge },
  );
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const codes = new Map<string, IssuedCode>();
  const requestUris = new Map<string, URLSearchParams>();
  const usedBoundTokens = new Set<string>();
  const revoked = new Set<string>();
  const pushed: URLSearchParams[] = [];
  const par = options.par ?? true;
  let issuer = '';

  const provider = {
    parFailure: undefined as ParFailure | undefined,
    refuseBoundTokens: false,
  };

  const server = await startServer((request, response) => {
    const path = request.path.split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      return sendJson(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        end_session_endpoint: `${issuer}/session/end`,
        authorization_response_iss_parameter_supported: true,
        ...(par ? { pushed_authorization_request_endpoint: `${issuer}/par` } : {}),
      });
    }
    if (par && path === '/par' && request.method === 'POST') {
      const form = new URLSearchParams(request.body);
      pushed.push(form);
      const failure = provider.parFailure;
      if (failure !== undefined) {
        response.writeHead(failure.status, { 'content-type': failure.contentType ?? 'application/json' });
        return void response.end(failure.body);
      }
      const requestUri = `urn:ietf:params:oauth:request_uri:${randomUUID()}`;
      requestUris.set(requestUri, form);
      return sendJson(response, 201, { request_uri: requestUri, expires_in: 60 });
    }
    if (path === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(request.body);
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (
        form.get('grant_type') !== 'authorization_code' ||
        code === undefined ||
        form.get('client_id') !== code.clientId ||
        form.get('redirect_uri') !== code.redirectUri ||
        form.get('resource') !== code.resource ||
        createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge
      ) {
        return sendJson(response, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = fakeJwt({ iss: issuer, aud: code.clientId, sub: 'user-1', nonce: code.nonce, acr: code.acr, auth_time: now });
      if (code.authorizationDetails !== null) {
        // A bound answer: the details, a short life, no refresh token.
        const details: unknown = JSON.parse(code.authorizationDetails);
        return sendJson(response, 200, {
          access_token: fakeJwt({ iss: issuer, aud: code.resource, acr: code.acr, exp: now + 300, jti: randomUUID(), authorization_details: details }),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
          authorization_details: details,
        });
      }
      return sendJson(response, 200, {
        access_token: fakeJwt({ iss: issuer, aud: code.resource, acr: code.acr, exp: now + 600, jti: randomUUID() }),
        token_type: 'Bearer',
        expires_in: 600,
        scope: 'openid profile',
        id_token: idToken,
        refresh_token: randomUUID(),
      });
    }
    if (path?.startsWith('/api/')) {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined) return sendJson(response, 401, { error: 'no_token' }, { 'www-authenticate': 'Bearer realm="api"' });
      const claims = payloadOf(token);
      if (revoked.has(token) || (provider.refuseBoundTokens && claims?.authorization_details !== undefined)) {
        return sendJson(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      if (path === '/api/payments') {
        const expected = paymentDetails(JSON.parse(request.body) as { amount: string; currency: string; payee: string });
        if (claims?.authorization_details === undefined) return sendTransactionChallenge(response, 'ERR_TXN_UNBOUND', expected);
        if (JSON.stringify(claims.authorization_details) !== JSON.stringify(expected)) {
          return sendTransactionChallenge(response, 'ERR_TXN_MISMATCH', expected);
        }
        if (usedBoundTokens.has(token)) return sendTransactionChallenge(response, 'ERR_TXN_REPLAYED', expected);
        usedBoundTokens.add(token);
        return sendJson(response, 200, { method: request.method, path, body: request.body, acr: claims.acr, bound: true });
      }
      if (path === '/api/transfers' && payloadOf(token)?.acr !== 'aal2') {
        return sendJson(response, 401, { error: 'step_up' }, { 'www-authenticate': TRANSFER_CHALLENGE });
      }
      return sendJson(response, 200, { method: request.method, path, body: request.body, acr: payloadOf(token)?.acr });
    }
    return sendJson(response, 404, { error: 'not_found' });
  });
  issuer = server.origin;

  return Object.assign(provider, {
    server,
    issuer,
    resource: `${issuer}/api`,
    revoked,
    pushed,
    authorize(authorizationUrl: string, answer: AuthorizeAnswer = {}) {
      const url = new URL(authorizationUrl);
      // RFC 9126 §4: a pushed request is used as pushed, once; nothing else in the URL counts.
      const requestUri = url.searchParams.get('request_uri');
      const pushedParams = requestUri === null ? undefined : requestUris.get(requestUri);
      if (requestUri !== null) {
        requestUris.delete(requestUri);
        if (pushedParams === undefined || pushedParams.get('client_id') !== url.searchParams.get('client_id')) {
          throw new Error(`unknown request_uri ${requestUri}`);
        }
      }
      const params = pushedParams ?? url.searchParams;
      const redirectUri = params.get('redirect_uri') ?? '';
      const callback = new URL(redirectUri);
      callback.searchParams.set('state', params.get('state') ?? '');
      callback.searchParams.set('iss', issuer);
      if (answer.error !== undefined) {
        callback.searchParams.set('error', answer.error);
        callback.searchParams.set('error_description', `the user said no (${answer.error})`);
        return callback.href;
      }
      const code = randomUUID();
      codes.set(code, {
        clientId: params.get('client_id') ?? '',
        redirectUri,
        codeChallenge: params.get('code_challenge') ?? '',
        nonce: answer.nonce ?? params.get('nonce') ?? '',
        acr: answer.acr ?? params.get('acr_values')?.split(' ')[0] ?? 'aal1',
        resource: params.get('resource'),
        authorizationDetails: pushedParams?.get('authorization_details') ?? null,
      });
      callback.searchParams.set('code', code);
      return callback.href;
    },
    apiRequests: () => server.seen.filter((seen) => seen.path.startsWith('/api/')),
  });
}
