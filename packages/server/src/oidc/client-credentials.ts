import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** The OAuth grant a backend uses for a token of its own, with no user (RFC 6749 §4.4). */
export const CLIENT_CREDENTIALS = 'client_credentials';

/**
 * Client metadata checks oidc-provider does not make: a client that may use
 * `client_credentials` must be confidential. oidc-provider would issue such
 * a token to a public client on its `client_id` alone, and anyone can send
 * a public client's id. A registration that breaks the rule cannot be
 * loaded, so each of its requests fails with `invalid_client`.
 *
 * Passed as `extraClientMetadata`; oidc-provider calls the validator for
 * each listed property of every client it loads, with the whole metadata.
 *
 * @example
 * ```ts
 * new Provider(issuer, { extraClientMetadata: confidentialClientCredentials, ... });
 * ```
 */
export const confidentialClientCredentials = {
  properties: ['grant_types'],
  validator(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
    if (key !== 'grant_types' || !Array.isArray(value) || !value.includes(CLIENT_CREDENTIALS)) return;
    if (metadata.token_endpoint_auth_method === 'none') {
      throw new errors.InvalidClientMetadata(`${CLIENT_CREDENTIALS} needs a confidential client: a public client has no secret to prove the request is its own`);
    }
  },
};

/**
 * Token endpoint errors in the terms of RFC 6749 §5.2, which is what client
 * libraries understand. oidc-provider answers a grant type the client is
 * not registered for with `invalid_request` (the RFC says
 * `unauthorized_client`), and a client whose registration fails the checks
 * above with `invalid_client_metadata`, a registration error (RFC 7591),
 * where the RFC says `invalid_client`. The conditions are checked again
 * rather than messages matched, so the rewrite cannot hide another failure.
 *
 * @param ctx - the provider's request context, after the token endpoint ran
 * @example
 * ```ts
 * provider.use(async (ctx, next) => { await next(); reportTokenErrorsPerRfc6749(ctx); });
 * ```
 */
export function reportTokenErrorsPerRfc6749(ctx: KoaContextWithOIDC): void {
  const { oidc } = ctx;
  if (oidc?.route !== 'token' || ctx.status !== 400) return;
  const error = (ctx.body as { error?: unknown } | undefined)?.error;
  if (error === 'invalid_client_metadata') {
    const description = 'the client\'s registration is not valid; see the server\'s configuration';
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: description };
    // RFC 6749 §5.2: a 401 to a client that sent HTTP Basic names the scheme, as oidc-provider's own do.
    if (ctx.headers.authorization !== undefined) {
      ctx.set('WWW-Authenticate', `Basic realm="${oidc.provider.issuer}", error="invalid_client", error_description="${description}"`);
    }
    return;
  }
  const grantType = oidc.params?.grant_type;
  if (error !== 'invalid_request' || typeof grantType !== 'string' || !oidc.client || oidc.client.grantTypeAllowed(grantType)) return;
  ctx.body = { error: 'unauthorized_client', error_description: `this client is not registered for the ${grantType} grant` };
}
