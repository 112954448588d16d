/** The parameters of one authorization code request. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string;
  readonly nonce: string;
  /** PKCE S256 challenge. */
  readonly codeChallenge: string;
  /** RFC 8707 resource indicator: the API the access token is for. */
  readonly resource?: string;
  /** Acceptable `acr` values in order of preference (RFC 9470 §4). */
  readonly acrValues?: readonly string[];
  /** Maximum age in seconds of the user's last active authentication. */
  readonly maxAge?: number;
  readonly loginHint?: string;
}

/**
 * The parameters of an authorization code request with PKCE S256, in the
 * order they are sent. Empty `acrValues` and absent options are left out
 * rather than sent empty, which some servers reject. The same parameters go
 * in the authorization URL or, pushed, in the body of a PAR request.
 *
 * @param request - what to ask for
 * @example
 * ```ts
 * const params = authorizationParameters({ clientId, redirectUri, scope: 'openid', state, nonce,
 *   codeChallenge: pkce.challenge, acrValues: ['aal2'] });
 * params.get('acr_values'); // 'aal2'
 * ```
 */
export function authorizationParameters(request: AuthorizationRequest): URLSearchParams {
  const params = new URLSearchParams();
  params.set('response_type', 'code');
  params.set('client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', request.scope);
  params.set('state', request.state);
  params.set('nonce', request.nonce);
  params.set('code_challenge', request.codeChallenge);
  params.set('code_challenge_method', 'S256');
  if (request.resource !== undefined) params.set('resource', request.resource);
  if (request.acrValues !== undefined && request.acrValues.length > 0) params.set('acr_values', request.acrValues.join(' '));
  if (request.maxAge !== undefined) params.set('max_age', String(request.maxAge));
  if (request.loginHint !== undefined) params.set('login_hint', request.loginHint);
  return params;
}

/**
 * Builds the authorization endpoint URL for an authorization code request
 * with PKCE S256, carrying {@link authorizationParameters}.
 *
 * @param endpoint - the `authorization_endpoint` from discovery
 * @param request - what to ask for
 * @example
 * ```ts
 * location.assign(buildAuthorizationUrl(metadata.authorization_endpoint, { clientId, redirectUri, scope: 'openid',
 *   state, nonce, codeChallenge: pkce.challenge, acrValues: ['aal2'], maxAge: 300 }));
 * ```
 */
export function buildAuthorizationUrl(endpoint: string, request: AuthorizationRequest): string {
  const url = new URL(endpoint);
  for (const [name, value] of authorizationParameters(request)) url.searchParams.set(name, value);
  return url.href;
}

/**
 * Builds the authorization endpoint URL of a pushed request (RFC 9126
 * §4): only `client_id` and the `request_uri` the PAR endpoint returned.
 * Everything else, the transaction above all, stays on the server, so
 * there is nothing in the URL to edit.
 *
 * @param endpoint - the `authorization_endpoint` from discovery
 * @param clientId - the client that pushed the request
 * @param requestUri - the `request_uri` of the PAR answer
 * @example
 * ```ts
 * location.assign(buildPushedAuthorizationUrl(metadata.authorization_endpoint, 'bank-web', pushed.requestUri));
 * ```
 */
export function buildPushedAuthorizationUrl(endpoint: string, clientId: string, requestUri: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('request_uri', requestUri);
  return url.href;
}
