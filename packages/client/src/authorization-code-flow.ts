import { authorizationParameters, buildAuthorizationUrl, buildPushedAuthorizationUrl, type AuthorizationRequest } from './authorization-request.js';
import { checkAuthorizationResponse, readAuthorizationResponse } from './authorization-response.js';
import type { ProviderMetadata } from './discovery.js';
import { StepwiseClientError } from './errors.js';
import { checkIdToken } from './id-token-check.js';
import { createPkcePair, randomToken } from './pkce.js';
import { pushAuthorizationRequest } from './pushed-authorization-request.js';
import type { StepUpChallenge } from './step-up-challenge.js';
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

/** The assurance, hint and transaction an authorization request asks for. */
export interface AuthorizationAsk {
  readonly acrValues?: readonly string[];
  readonly maxAge?: number;
  readonly loginHint?: string;
  /**
   * RFC 9396 details of the one transaction to approve. With them the
   * request is pushed (RFC 9126), since the server accepts details only
   * that way, and the token that comes back is bound to that transaction.
   */
  readonly authorizationDetails?: readonly unknown[];
}

/**
 * What to ask the authorization server for to answer a step-up challenge:
 * its `acr_values` and `max_age`, and its `authorization_details` when the
 * API binds the proof to the transaction.
 *
 * @param challenge - the parsed RFC 9470 challenge
 * @example
 * ```ts
 * const { url } = await prepareAuthorization(client, askForChallenge(readStepUpChallenge(response)!));
 * ```
 */
export function askForChallenge(challenge: StepUpChallenge): AuthorizationAsk {
  const { acrValues, maxAge, authorizationDetails } = challenge;
  return {
    acrValues,
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
  };
}

/**
 * Makes fresh `state`, `nonce` and PKCE secrets and the authorization URL
 * that carries them. The caller keeps the secrets (in storage for a
 * redirect, in memory for a popup) until the answer comes back.
 *
 * With `authorizationDetails`, every parameter (the details as JSON text
 * among them) is first pushed to the PAR endpoint, and the URL carries
 * only `client_id` and the `request_uri`.
 *
 * @param client - client and provider
 * @param ask - assurance, hint and transaction to ask for
 * @throws StepwiseClientError `ERR_CLIENT_PAR_UNSUPPORTED` when details are asked of a provider without a PAR endpoint
 * @throws PushedAuthorizationError `ERR_CLIENT_PAR_FAILED` when the push is refused or its answer is unusable
 * @example
 * ```ts
 * const { url, secrets } = await prepareAuthorization(client, { acrValues: ['aal2'], maxAge: 300 });
 * const bound = await prepareAuthorization(client, { acrValues: ['aal2'], authorizationDetails: challenge.authorizationDetails });
 * ```
 */
export async function prepareAuthorization(
  client: CodeFlowClient,
  ask: AuthorizationAsk,
): Promise<{ url: string; secrets: AuthorizationSecrets }> {
  const { authorizationDetails, ...urlAsk } = ask;
  const parEndpoint = client.metadata.pushed_authorization_request_endpoint;
  // Checked before any secret is made: nothing is pushed or navigated to.
  if (authorizationDetails !== undefined && parEndpoint === undefined) throw new StepwiseClientError('ERR_CLIENT_PAR_UNSUPPORTED');

  const pkce = await createPkcePair();
  const secrets: AuthorizationSecrets = { state: randomToken(), nonce: randomToken(), codeVerifier: pkce.verifier };
  const request: AuthorizationRequest = {
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    scope: client.scope,
    state: secrets.state,
    nonce: secrets.nonce,
    codeChallenge: pkce.challenge,
    ...(client.resource === undefined ? {} : { resource: client.resource }),
    ...urlAsk,
  };
  const { authorization_endpoint: authorizationEndpoint } = client.metadata;
  if (authorizationDetails === undefined || parEndpoint === undefined) {
    return { url: buildAuthorizationUrl(authorizationEndpoint, request), secrets };
  }
  const params = authorizationParameters(request);
  params.set('authorization_details', JSON.stringify(authorizationDetails));
  const { requestUri } = await pushAuthorizationRequest(parEndpoint, params, client.send);
  return { url: buildPushedAuthorizationUrl(authorizationEndpoint, client.clientId, requestUri), secrets };
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
