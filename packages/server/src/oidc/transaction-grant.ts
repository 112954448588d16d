import { interactionPolicy, type ClientAuthorizationState, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import { isBoundRequest } from './bound-details.js';

/*
 * A request bound to a transaction gets a Grant of its own. A Grant that
 * is reused gathers details: the second payment's token would carry the
 * first payment too. So a bound request never loads the session's Grant;
 * the only one it takes is the one its approval just created.
 */

/** Per request: the session's entry for the client before the bound Grant replaced it, to put back. */
const sessionGrantBefore = new WeakMap<KoaContextWithOIDC, Pick<ClientAuthorizationState, 'grantId' | 'persistsLogout'>>();

/**
 * `loadExistingGrant` for a bound request: nothing before the approval
 * (oidc-provider then starts an empty Grant and asks for consent), and
 * after it the Grant that approval recorded, for this account and client
 * only.
 *
 * @param ctx - the authorization request
 * @example
 * ```ts
 * loadExistingGrant: (ctx) => (isBoundRequest(ctx.oidc.params) ? loadTransactionGrant(ctx) : loadFirstPartyGrant(ctx))
 * ```
 */
export async function loadTransactionGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId;
  if (!grantId || !oidc.session?.accountId || !oidc.client) return undefined;
  const grant = await oidc.provider.Grant.find(grantId);
  if (!grant || grant.accountId !== oidc.session.accountId || grant.clientId !== oidc.client.clientId) return undefined;
  const { grantId: before, persistsLogout } = oidc.session.authorizationFor(oidc.client.clientId);
  sessionGrantBefore.set(ctx, { grantId: before, persistsLogout });
  return grant;
}

/**
 * Points the session back at the Grant it had before a bound request.
 * oidc-provider makes the loaded Grant the session's and names it in the
 * code; once the code is made, the session's own Grant comes back, so the
 * client's earlier session-bound refresh tokens keep working and its next
 * sign-in does not start from the transaction's Grant. The bound code is
 * therefore not session-bound (`expiresWithSession` is false for it); it
 * is single use, PKCE-bound and lives a minute.
 *
 * @param ctx - the authorization request, as its code is made
 * @example
 * ```ts
 * authorizationDetailsForGrantSource(ctx) { …; restoreSessionGrant(ctx); return details; }
 * ```
 */
export function restoreSessionGrant(ctx: KoaContextWithOIDC): void {
  const { session, client } = ctx.oidc;
  const before = sessionGrantBefore.get(ctx);
  if (!before || !session || !client) return;
  const authorization = session.authorizationFor(client.clientId);
  for (const key of ['grantId', 'persistsLogout'] as const) {
    if (before[key] === undefined) delete authorization[key];
    else Object.assign(authorization, { [key]: before[key] });
  }
}

/**
 * A login-prompt check: a bound request always goes through our pages,
 * where the user sees the transaction and gives a factor now, whatever
 * the session already holds. Only a login result from that page, in this
 * same authorization, lets it through; `prompt=none` ends in `login_required`.
 *
 * @example
 * ```ts
 * policy.get('login')!.checks.add(transactionApprovalCheck());
 * ```
 */
export function transactionApprovalCheck(): InstanceType<typeof interactionPolicy.Check> {
  const { Check } = interactionPolicy;
  return new Check('stepwise_transaction', 'a transaction is approved only with a factor given now, on the page that shows it', 'login_required', (ctx) => {
    const { oidc } = ctx;
    if (!isBoundRequest(oidc.params) || oidc.result?.login || !oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
    return Check.REQUEST_PROMPT;
  });
}
