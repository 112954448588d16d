import { TokenExchangeError } from './errors.js';
import type { FetchLike } from './step-up-fetch.js';

/** What an authorization code exchange needs. */
export interface CodeExchange {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly code: string;
  /** The same redirect URI as on the authorization request. */
  readonly redirectUri: string;
  readonly codeVerifier: string;
  /** RFC 8707 resource indicator; the audience of the access token. */
  readonly resource?: string;
}

/** A successful token response (RFC 6749 §5.1), in camelCase. */
export interface TokenResponse {
  readonly accessToken: string;
  /** Seconds the access token lives, when the server says. */
  readonly expiresIn?: number;
  readonly idToken?: string;
  readonly refreshToken?: string;
  readonly scope?: string;
}

function optionalString(body: Record<string, unknown>, field: string): Record<string, string> {
  const value = body[field];
  return typeof value === 'string' ? { [field]: value } : {};
}

/**
 * Exchanges an authorization code at the token endpoint as a public client
 * (`token_endpoint_auth_method=none`): the PKCE verifier stands in for a
 * client secret. Only `Bearer` tokens are accepted, since the client sends
 * no DPoP proofs.
 *
 * @param exchange - the code and the values it was issued for
 * @param fetchImpl - the fetch to use; default the global one
 * @throws TokenExchangeError `ERR_CLIENT_TOKEN_EXCHANGE` when unreachable, refused, or the answer is unusable
 * @example
 * ```ts
 * const tokens = await exchangeAuthorizationCode({ tokenEndpoint, clientId, code, redirectUri, codeVerifier: pkce.verifier });
 * ```
 */
export async function exchangeAuthorizationCode(exchange: CodeExchange, fetchImpl?: FetchLike): Promise<TokenResponse> {
  const send: FetchLike = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    client_id: exchange.clientId,
    code_verifier: exchange.codeVerifier,
  });
  if (exchange.resource !== undefined) form.set('resource', exchange.resource);

  let response: Response;
  let body: unknown;
  try {
    response = await send(exchange.tokenEndpoint, { method: 'POST', headers: { accept: 'application/json' }, body: form });
    body = await response.json();
  } catch (error) {
    throw new TokenExchangeError('the token endpoint could not be reached or its answer read', undefined, undefined, error);
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (!response.ok) {
    const oauthError = typeof fields.error === 'string' ? fields.error : undefined;
    const description = typeof fields.error_description === 'string' ? `: ${fields.error_description}` : '';
    throw new TokenExchangeError(`HTTP ${response.status} ${oauthError ?? ''}${description}`.trim(), response.status, oauthError);
  }
  if (typeof fields.access_token !== 'string' || fields.access_token === '') {
    throw new TokenExchangeError('the answer has no access_token', response.status);
  }
  if (typeof fields.token_type !== 'string' || fields.token_type.toLowerCase() !== 'bearer') {
    throw new TokenExchangeError(`unsupported token_type ${String(fields.token_type)}`, response.status);
  }
  const expiresIn = fields.expires_in;
  const { id_token: idToken, refresh_token: refreshToken, scope } = {
    ...optionalString(fields, 'id_token'),
    ...optionalString(fields, 'refresh_token'),
    ...optionalString(fields, 'scope'),
  };
  return {
    accessToken: fields.access_token,
    ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresIn } : {}),
    ...(idToken === undefined ? {} : { idToken }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(scope === undefined ? {} : { scope }),
  };
}
