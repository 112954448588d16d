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
 * Builds the authorization endpoint URL for an authorization code request
 * with PKCE S256. Empty `acrValues` and absent options are left out
 * rather than sent empty, which some servers reject.
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
  const params = url.searchParams;
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
  return url.href;
}
