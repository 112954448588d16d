import { createHash, randomUUID } from 'node:crypto';
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

/**
 * A fake OpenID Provider and resource server in one real HTTP server:
 * discovery, a token endpoint that checks PKCE, and an API whose
 * `POST /api/transfers` needs `acr=aal2`.
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
}

const TRANSFER_CHALLENGE = 'Bearer error="insufficient_user_authentication", error_description="Transfers need aal2", acr_values="aal2", max_age=300';

export async function startFakeProvider(): Promise<FakeProvider> {
  const codes = new Map<string, IssuedCode>();
  const revoked = new Set<string>();
  let issuer = '';

  const server = await startServer((request, response) => {
    const path = request.path.split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      return sendJson(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        end_session_endpoint: `${issuer}/session/end`,
        authorization_response_iss_parameter_supported: true,
      });
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
      return sendJson(response, 200, {
        access_token: fakeJwt({ iss: issuer, aud: code.resource, acr: code.acr, exp: now + 600, jti: randomUUID() }),
        token_type: 'Bearer',
        expires_in: 600,
        scope: 'openid profile',
        id_token: fakeJwt({ iss: issuer, aud: code.clientId, sub: 'user-1', nonce: code.nonce, acr: code.acr, auth_time: now }),
      });
    }
    if (path?.startsWith('/api/')) {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined) return sendJson(response, 401, { error: 'no_token' }, { 'www-authenticate': 'Bearer realm="api"' });
      if (revoked.has(token)) {
        return sendJson(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      if (path === '/api/transfers' && payloadOf(token)?.acr !== 'aal2') {
        return sendJson(response, 401, { error: 'step_up' }, { 'www-authenticate': TRANSFER_CHALLENGE });
      }
      return sendJson(response, 200, { method: request.method, path, body: request.body, acr: payloadOf(token)?.acr });
    }
    return sendJson(response, 404, { error: 'not_found' });
  });
  issuer = server.origin;

  return {
    server,
    issuer,
    resource: `${issuer}/api`,
    revoked,
    authorize(authorizationUrl, answer = {}) {
      const url = new URL(authorizationUrl);
      const params = url.searchParams;
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
      });
      callback.searchParams.set('code', code);
      return callback.href;
    },
    apiRequests: () => server.seen.filter((seen) => seen.path.startsWith('/api/')),
  };
}
