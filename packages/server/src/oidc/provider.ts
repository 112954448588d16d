import { hkdfSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveAssurance } from '@stepwise/core';
import Provider, { errors, interactionPolicy, type AccessToken, type ClientCredentials, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { recordTokenIssued } from '../audit/events.js';
import type { LoadedSigningKey } from '../keys/signing-keys.js';
import { SIGNING_ALG } from '../keys/signing-keys.js';
import { loadSessionState, revokeSessionByToken, SESSION_COOKIE } from '../flows/session-state.js';
import type { Services } from '../services.js';
import { createOidcAdapter } from '../storage/oidc-adapter.js';
import { findUserById } from '../storage/users.js';
import { renderErrorPage } from '../http/pages/error-page.js';
import { renderLoggedOutPage, renderLogoutConfirmPage } from '../http/pages/logout-confirm-page.js';
import { applyLoginPolicy } from './login-policy.js';
import { judgementTime, requestedAssurance } from './requested-assurance.js';
import { isBoundRequest } from './bound-details.js';
import { richAuthorizationRequests, transactionClaims } from './rich-authorization.js';
import { loadTransactionGrant, transactionApprovalCheck } from './transaction-grant.js';
import { confidentialClientCredentials, reportTokenErrorsPerRfc6749 } from './client-credentials.js';
import { DEVICE_COOKIE, deviceIdOf } from '../http/device-cookie.js';

/** Discovery field with `{ level: rank }`, so resource servers can compare levels. */
export const ACR_RANKS_DISCOVERY_FIELD = 'stepwise_acr_ranks';

/**
 * Discovery field with `{ level: lifetime in seconds }`: a token's `acr` holds
 * only while its `auth_time` is younger than the level's lifetime, which
 * matters for access tokens minted from a refresh token.
 */
export const ACR_LIFETIMES_DISCOVERY_FIELD = 'stepwise_acr_lifetimes';

/** Scopes the provider knows; `offline_access` is not needed for refresh tokens. */
export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** The cookie keys for oidc-provider, derived from the secret keys so every node agrees. */
function cookieKeys(services: Services): string[] {
  return services.secretKeys.map(({ key }) =>
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'stepwise oidc cookie keys', 32)).toString('base64url'),
  );
}

function sameValues(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((value) => set.has(value));
}

/**
 * A login-prompt check: the session must hold exactly the assurance our
 * counting rule gives this request. oidc-provider keeps one acr/amr/auth_time
 * per session, while ours depend on the request's levels and max_age and
 * decay with time; when they differ the user passes through our interaction,
 * which asks only for a missing factor or, when none is missing, finishes at
 * once with the recomputed claims.
 */
function assuranceCheck(services: Services): InstanceType<typeof interactionPolicy.Check> {
  const { Check } = interactionPolicy;
  return new Check('stepwise_assurance', 'the session does not meet the requested assurance', async (ctx) => {
    const { oidc } = ctx;
    const { session } = oidc;
    if (oidc.result?.login || !session?.accountId) return Check.NO_NEED_TO_PROMPT;
    const state = await loadSessionState(services, ctx.cookies.get(SESSION_COOKIE, { signed: false }));
    if (!state || state.user.id !== session.accountId) return Check.REQUEST_PROMPT;
    const policy = await applyLoginPolicy(services, requestedAssurance(oidc.params as Record<string, unknown>), {
      clientId: String(oidc.params?.client_id), user: state.user, ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined,
      deviceId: deviceIdOf(services, ctx.cookies.get(DEVICE_COOKIE, { signed: false }) ?? undefined),
    });
    // A refused sign-in goes through the interaction, which ends it with access_denied.
    if (policy.deny) return Check.REQUEST_PROMPT;
    const { requested } = policy;
    const resolution = resolveAssurance(state.events, requested, state.enrolled, services.levels, judgementTime(requested, services.now()));
    if (resolution.kind !== 'finish') return Check.REQUEST_PROMPT;
    const unchanged =
      session.acr === resolution.acr &&
      sameValues(session.amr, resolution.amr) &&
      session.authTime() === resolution.authTime;
    return unchanged ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  });
}

/**
 * Every registered client is first-party in this version: consent is
 * recorded on the user's behalf, so no consent screen interrupts a step-up.
 * A request bound to a transaction never reuses a Grant (see
 * `loadTransactionGrant`): its approval is the consent.
 */
async function loadFirstPartyGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  if (!oidc.session?.accountId || !oidc.client) return undefined;
  if (isBoundRequest(oidc.params)) return loadTransactionGrant(ctx);
  const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  // A transaction's Grant stays that transaction's alone.
  const grant =
    existing && existing.accountId === oidc.session.accountId && !existing.rar
      ? existing
      : new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  const scopes = [...(oidc.requestParamScopes ?? [])].join(' ');
  grant.addOIDCScope(scopes);
  const claims = oidc.requestParamClaims ? [...oidc.requestParamClaims] : [];
  if (claims.length > 0) grant.addOIDCClaims(claims);
  for (const [resource, server] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(resource, (server as { scope?: string }).scope ?? '');
  }
  await grant.save();
  return grant;
}

/**
 * Builds the oidc-provider instance: authorization code + PKCE, ES256 ID
 * tokens and RFC 9068 JWT access tokens carrying `acr`, `amr` and
 * `auth_time`, our interaction pages and assurance check, storage through
 * the database adapter. Pushed authorization requests (RFC 9126) are
 * open to every client; with configured types, rich authorization
 * requests (RFC 9396) bind a token to one transaction, pushed only,
 * approved with a fresh factor, with its `txn` hash and no refresh token.
 * Confidential clients registered for it may use the `client_credentials`
 * grant: a JWT access token for one resource, about the client itself (no
 * user, so no `acr`, `amr` or `auth_time`).
 *
 * @param services - shared services
 * @param keys - signing keys, the active one first
 * @example
 * ```ts
 * const provider = createProvider(services, await loadSigningKeys(db, box, now, grace));
 * ```
 */
export function createProvider(services: Services, keys: readonly LoadedSigningKey[]): Provider {
  const { config, levels, db } = services;
  const allowedResources = new Set([config.issuer, ...config.resources]);
  const detailTypes = Object.keys(config.authorizationDetails.types);
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(transactionApprovalCheck());
  login.checks.add(assuranceCheck(services));

  const configuration: Configuration = {
    adapter: createOidcAdapter(db),
    clients: [],
    jwks: { keys: keys.map((key) => key.jwk) } as Configuration['jwks'],
    cookies: { keys: cookieKeys(services), long: { signed: true }, short: { signed: true } },
    acrValues: levels.names(),
    scopes: SUPPORTED_SCOPES,
    responseTypes: ['code'],
    claims: {
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    discovery: { [ACR_RANKS_DISCOVERY_FIELD]: levels.ranks(), [ACR_LIFETIMES_DISCOVERY_FIELD]: levels.lifetimes() },
    // Browser apps (public clients) may call the token and PAR endpoints
    // from the origins they are redirected to, and no others.
    clientBasedCORS: (ctx, origin, client) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      (client.redirectUris ?? []).some((uri) => URL.canParse(uri) && new URL(uri).origin === origin),
    pkce: { required: () => true },
    clientDefaults: {
      id_token_signed_response_alg: SIGNING_ALG,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // oidc-provider's default allows no type; binding a token only narrows
      // it, so any client may, unless its registration names fewer types.
      ...(detailTypes.length > 0 ? { authorization_details_types: detailTypes } : {}),
    },
    ttl: {
      AccessToken: config.tokens.accessTokenTtl,
      IdToken: config.tokens.idTokenTtl,
      RefreshToken: config.tokens.refreshTokenTtl,
      Session: config.tokens.sessionTtl,
      Grant: config.tokens.sessionTtl,
      ClientCredentials: config.tokens.accessTokenTtl,
      Interaction: 3600,
      AuthorizationCode: 60,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // Per client: only those registered with the grant, confidential ones only.
      clientCredentials: { enabled: true },
      // Clients opt in to requiring it (`require_pushed_authorization_requests`).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      richAuthorizationRequests: richAuthorizationRequests(config.authorizationDetails.types),
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderLogoutConfirmPage({ form, clientName: ctx.oidc.client?.clientName });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderLoggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.issuer,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!allowedResources.has(resource)) {
            throw new errors.InvalidTarget(`resource "${resource}" is not one this server issues tokens for (configure it under "resources")`);
          }
          return {
          scope: SUPPORTED_SCOPES.join(' '),
          audience: resource,
          accessTokenTTL: config.tokens.accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    extraClientMetadata: confidentialClientCredentials,
    loadExistingGrant: loadFirstPartyGrant,
    // A bound code names the transaction's Grant, which the session does not
    // keep (see restoreSessionGrant), so it cannot be tied to the session.
    expiresWithSession: async (ctx, code) => !isBoundRequest(ctx.oidc.params) && !code.scopes.has('offline_access'),
    // Refresh tokens copy acr/amr/auth_time from the code they come from, so
    // a refreshed token is never fresher than the events behind it. A grant
    // bound to a transaction gets none: a refresh would mint a second token
    // for the same approval.
    issueRefreshToken: async (_ctx, client, source) => client.grantTypeAllowed('refresh_token') && !source.rar?.length,
    // token.rar is set before the token is saved, which is when this runs.
    // A client_credentials token has neither source: no user, no user claims.
    extraTokenClaims: async (ctx, token) => {
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime, ...transactionClaims(token.rar) };
    },
    findAccount: async (_ctx, sub) => {
      const user = await findUserById(db, sub);
      if (!user || user.disabled) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({
          sub: user.id,
          preferred_username: user.username,
          ...(user.displayName ? { name: user.displayName } : {}),
          ...(user.email ? { email: user.email } : {}),
        }),
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage({
        status: ctx.status,
        code: String(out.error),
        message: String(out.error_description ?? out.error),
      });
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.on('server_error', (_ctx, error) => services.logger.error({ err: error }, 'oidc-provider server error'));
  // Our session is the source of truth: logging out of OpenID Connect must
  // end it too, or the next authorization would finish without a password.
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const token = ctx.cookies.get(SESSION_COOKIE, { signed: false });
    if (!token) return;
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/', signed: false });
    revokeSessionByToken(services, token, { ip: ctx.ip }).catch((error: unknown) =>
      services.logger.error({ err: error }, 'could not revoke the session at logout'),
    );
  });
  provider.use(async (ctx, next) => {
    await next();
    reportTokenErrorsPerRfc6749(ctx as KoaContextWithOIDC);
  });
  auditIssuedTokens(services, provider);
  return provider;
}

/**
 * Records every access token the provider issues (`token_issued`: client,
 * subject, none for client_credentials, acr, amr, txn, never the token), committed before the token
 * response is sent. oidc-provider emits its events without waiting for
 * listeners, so a listener only notes the token on the request, and a
 * middleware around the request awaits the records.
 */
function auditIssuedTokens(services: Services, provider: Provider): void {
  const issued = new WeakMap<object, (AccessToken | ClientCredentials)[]>();
  const note = (token: AccessToken | ClientCredentials) => {
    const ctx = Provider.ctx;
    if (!ctx) return;
    issued.set(ctx, [...(issued.get(ctx) ?? []), token]);
  };
  provider.on('access_token.issued', note);
  provider.on('access_token.saved', note);
  provider.on('client_credentials.issued', note);
  provider.on('client_credentials.saved', note);
  provider.use(async (ctx, next) => {
    await next();
    const tokens = issued.get(ctx);
    if (!tokens) return;
    const grantType = (ctx as KoaContextWithOIDC).oidc?.params?.grant_type;
    await Promise.all(tokens.map((token) => {
      const extra = (token.extra ?? {}) as { acr?: unknown; amr?: unknown; txn?: unknown };
      return recordTokenIssued(services, {
        subject: ('accountId' in token ? token.accountId : undefined) ?? null, client: token.clientId ?? 'unknown', ip: ctx.ip,
        acr: typeof extra.acr === 'string' ? extra.acr : undefined,
        amr: Array.isArray(extra.amr) ? extra.amr.filter((value): value is string => typeof value === 'string') : undefined,
        txn: typeof extra.txn === 'string' ? extra.txn : undefined,
        grantType: typeof grantType === 'string' ? grantType : undefined,
      });
    }));
  });
}

/** A node:http handler for the provider's routes. */
export type ProviderHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
