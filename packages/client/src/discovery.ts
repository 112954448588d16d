import { StepwiseClientError } from './errors.js';
import type { FetchLike } from './step-up-fetch.js';

/** The OpenID Provider metadata fields the client uses; the rest is kept as sent. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint?: string;
  /** RFC 9126: where authorization requests are pushed; bound step-ups need it. */
  readonly pushed_authorization_request_endpoint?: string;
  /** RFC 9207: when true, authorization responses must carry `iss`. */
  readonly authorization_response_iss_parameter_supported?: boolean;
  readonly [field: string]: unknown;
}

function discoveryError(issuer: string, reason: string, cause?: unknown): StepwiseClientError {
  return new StepwiseClientError('ERR_CLIENT_DISCOVERY', `discovery of ${issuer} failed: ${reason}`, { issuer }, cause);
}

/**
 * Loads `${issuer}/.well-known/openid-configuration` and checks that its
 * `issuer` is exactly the one asked for (OpenID Connect Discovery §4.3), so
 * that metadata served for another issuer is never used.
 *
 * @param issuer - the issuer identifier, e.g. `http://localhost:3000`
 * @param fetchImpl - the fetch to use; default the global one
 * @throws StepwiseClientError `ERR_CLIENT_DISCOVERY` when unreachable, not JSON, for another issuer, or without the endpoints needed
 * @example
 * ```ts
 * const metadata = await discoverProvider('http://localhost:3000');
 * metadata.authorization_endpoint; // 'http://localhost:3000/auth'
 * ```
 */
export async function discoverProvider(issuer: string, fetchImpl?: FetchLike): Promise<ProviderMetadata> {
  const send: FetchLike = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  // Discovery §4: a terminating slash of the issuer is removed before appending.
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await send(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw discoveryError(issuer, `HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    if (error instanceof StepwiseClientError) throw error;
    throw discoveryError(issuer, 'the metadata could not be fetched or read', error);
  }
  if (typeof body !== 'object' || body === null) throw discoveryError(issuer, 'the metadata is not a JSON object');
  const metadata = body as Record<string, unknown>;
  if (metadata.issuer !== issuer) throw discoveryError(issuer, `the metadata is for issuer ${String(metadata.issuer)}`);
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (typeof metadata[field] !== 'string') throw discoveryError(issuer, `the metadata has no ${field}`);
  }
  for (const field of ['end_session_endpoint', 'pushed_authorization_request_endpoint'] as const) {
    if (metadata[field] !== undefined && typeof metadata[field] !== 'string') {
      throw discoveryError(issuer, `the metadata has an ${field} that is not a string`);
    }
  }
  return metadata as ProviderMetadata;
}
