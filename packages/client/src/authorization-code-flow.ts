import { buildAuthorizationUrl } from './authorization-request.js';
import { checkAuthorizationResponse, readAuthorizationResponse } from './authorization-response.js';
import type { ProviderMetadata } from './discovery.js';
import { checkIdToken } from './id-token-check.js';
import { createPkcePair, randomToken } from './pkce.js';
import type { FetchLike } from './step-up-fetch.js';
import { exchangeAuthorizationCode, type TokenResponse } from './token-exchange.js';

/** The client and provider one authorization code flow runs between. */
export interface CodeFlowClient {
  readonly metadata: ProviderMetadata;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly resource?: string;
  readonly send: FetchLike;
}

/** The per-request secrets that bind the answer to the request. */
export interface AuthorizationSecrets {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** The assurance and hint an authorization request asks for. */
export interface AuthorizationAsk {
  readonly acrValues?: readonly string[];
  readonly maxAge?: number;
  readonly loginHint?: string;
}

/**
 * Makes fresh `state`, `nonce` and PKCE secrets and the authorization URL
 * that carries them. The caller keeps the secrets (in storage for a
 * redirect, in memory for a popup) until the answer comes back.
 *
 * @param client - client and provider
 * @param ask - assurance and hint to ask for
 * @example
 * ```ts
 * const { url, secrets } = await prepareAuthorization(client, { acrValues: ['aal2'], maxAge: 300 });
 * ```
 */
export async function prepareAuthorization(
  client: CodeFlowClient,
  ask: AuthorizationAsk,
): Promise<{ url: string; secrets: AuthorizationSecrets }> {
  const pkce = await createPkcePair();
  const secrets: AuthorizationSecrets = { state: randomToken(), nonce: randomToken(), codeVerifier: pkce.verifier };
  const url = buildAuthorizationUrl(client.metadata.authorization_endpoint, {
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    scope: client.scope,
    state: secrets.state,
    nonce: secrets.nonce,
    codeChallenge: pkce.challenge,
    ...(client.resource === undefined ? {} : { resource: client.resource }),
    ...ask,
  });
  return { url, secrets };
}

/**
 * Turns the authorization response into tokens: checks `state` and `iss`,
 * surfaces an OAuth error, exchanges the code with the PKCE verifier, and
 * checks the ID token's `iss`, `aud` and `nonce`.
 *
 * @param client - client and provider
 * @param callbackUrl - the redirect URI with the response in its query
 * @param secrets - the secrets of the request being answered
 * @throws StepwiseClientError and its subclasses, see {@link checkAuthorizationResponse},
 *   {@link exchangeAuthorizationCode} and {@link checkIdToken}
 * @example
 * ```ts
 * const tokens = await completeAuthorization(client, location.href, transaction);
 * ```
 */
export async function completeAuthorization(
  client: CodeFlowClient,
  callbackUrl: string,
  secrets: AuthorizationSecrets,
): Promise<TokenResponse> {
  const { issuer } = client.metadata;
  const code = checkAuthorizationResponse(readAuthorizationResponse(callbackUrl), {
    state: secrets.state,
    issuer,
    issRequired: client.metadata.authorization_response_iss_parameter_supported === true,
  });
  const tokens = await exchangeAuthorizationCode(
    {
      tokenEndpoint: client.metadata.token_endpoint,
      clientId: client.clientId,
      code,
      redirectUri: client.redirectUri,
      codeVerifier: secrets.codeVerifier,
      ...(client.resource === undefined ? {} : { resource: client.resource }),
    },
    client.send,
  );
  if (tokens.idToken !== undefined) checkIdToken(tokens.idToken, { issuer, clientId: client.clientId, nonce: secrets.nonce });
  return tokens;
}
