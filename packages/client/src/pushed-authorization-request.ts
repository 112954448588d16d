import { PushedAuthorizationError } from './errors.js';
import type { FetchLike } from './step-up-fetch.js';

/** What the PAR endpoint handed back for a pushed request (RFC 9126 §2.2). */
export interface PushedAuthorization {
  /** Names the pushed request at the authorization endpoint; single use. */
  readonly requestUri: string;
  /** Seconds the `request_uri` stays valid. */
  readonly expiresIn: number;
}

function optionalText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Pushes an authorization request to the PAR endpoint (RFC 9126) as a
 * public client: the parameters travel in a form-encoded POST body, not in
 * the browser's address bar. Only a `201` with a `request_uri` and a
 * positive `expires_in` counts as success.
 *
 * @param endpoint - the `pushed_authorization_request_endpoint` from discovery
 * @param params - every authorization parameter, `client_id` included
 * @param fetchImpl - the fetch to use; default the global one
 * @throws PushedAuthorizationError `ERR_CLIENT_PAR_FAILED` when unreachable, refused, or the answer is unusable
 * @example
 * ```ts
 * const params = authorizationParameters(request);
 * params.set('authorization_details', JSON.stringify(details));
 * const { requestUri } = await pushAuthorizationRequest(metadata.pushed_authorization_request_endpoint, params);
 * ```
 */
export async function pushAuthorizationRequest(
  endpoint: string,
  params: URLSearchParams,
  fetchImpl?: FetchLike,
): Promise<PushedAuthorization> {
  const send: FetchLike = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  let response: Response;
  try {
    // A URLSearchParams body is sent as application/x-www-form-urlencoded;charset=UTF-8.
    response = await send(endpoint, { method: 'POST', headers: { accept: 'application/json' }, body: params });
  } catch (error) {
    throw new PushedAuthorizationError('the endpoint could not be reached', undefined, undefined, undefined, error);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new PushedAuthorizationError(`HTTP ${response.status} with an answer that is not JSON`, response.status, undefined, undefined, error);
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (response.status !== 201) {
    const oauthError = optionalText(fields, 'error');
    const description = optionalText(fields, 'error_description');
    const reason = `HTTP ${response.status}${oauthError === undefined ? '' : ` ${oauthError}`}${description === undefined ? '' : `: ${description}`}`;
    throw new PushedAuthorizationError(reason, response.status, oauthError, description);
  }
  const { request_uri: requestUri, expires_in: expiresIn } = fields;
  if (typeof requestUri !== 'string' || requestUri === '') {
    throw new PushedAuthorizationError('the answer has no request_uri', response.status);
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new PushedAuthorizationError('the answer has no positive expires_in', response.status);
  }
  return { requestUri, expiresIn };
}
