import {
  askForChallenge,
  completeAuthorization,
  prepareAuthorization,
  type AuthorizationAsk,
  type AuthorizationSecrets,
  type CodeFlowClient,
} from './authorization-code-flow.js';
import { readAuthorizationResponse } from './authorization-response.js';
import type { ProviderMetadata } from './discovery.js';
import type { BrowserClientOptions, RedirectCallbackResult, SignInOptions } from './browser-client-options.js';
import { browserWindow } from './browser-window.js';
import { StepwiseClientError } from './errors.js';
import { decodeJwtPayload } from './jwt-claims.js';
import { fromPendingRequest, toPendingRequest, type PendingRequest } from './pending-request.js';
import { postPopupResponse, waitForPopupResponse, type OpenerHandle, type PopupHandle } from './popup.js';
import { PrefixedStorage } from './prefixed-storage.js';
import { saveSignInTransaction, takeSignInTransaction, type SignInTransaction } from './sign-in-transaction.js';
import { readBearerError, type StepUpChallenge } from './step-up-challenge.js';
import { createStepUpFetch } from './step-up-fetch.js';
import { isStoredTokens, isUnexpired, toStoredTokens, type StoredTokens } from './stored-tokens.js';

const TOKENS_KEY = 'tokens';
const POPUP_NAME = 'stepwise-sign-in';
const POPUP_FEATURES = 'popup,width=480,height=720';

/** The page is navigating away; whoever awaits this simply stops. */
function leavingPage(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * Signs the user in with the authorization code flow and PKCE, keeps the
 * tokens in session storage, and calls APIs through {@link fetch}, which
 * answers RFC 9470 step-up challenges by redirect or popup.
 *
 * Everything the browser provides (navigation, the current URL, popups,
 * storage, fetch) goes through the protected methods at the end, so that a
 * subclass can run the client outside a browser.
 *
 * @example
 * ```ts
 * const client = await createBrowserClient({ issuer, clientId: 'bank-web', redirectUri, resource, mode: 'popup' });
 * const accounts = await (await client.fetch('/api/accounts')).json();
 * ```
 */
export class StepwiseBrowserClient {
  readonly #options: BrowserClientOptions;
  readonly #metadata: ProviderMetadata;
  readonly #redirectOrigin: string;
  readonly #codeFlow: CodeFlowClient;
  #store: PrefixedStorage | undefined;
  // Concurrent unbound step-ups share one popup rather than fight over it.
  #popupStepUp: Promise<string> | undefined;

  /**
   * Most callers use `createBrowserClient`, which loads the metadata.
   *
   * @param options - see {@link BrowserClientOptions}
   * @param metadata - the provider's discovery document, already checked
   */
  constructor(options: BrowserClientOptions, metadata: ProviderMetadata) {
    this.#options = options;
    this.#metadata = metadata;
    this.#redirectOrigin = new URL(options.redirectUri).origin;
    this.#codeFlow = {
      metadata,
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? 'openid profile',
      ...(options.resource === undefined ? {} : { resource: options.resource }),
      send: (input, init) => this.send(input, init),
    };
  }

  /**
   * True when an access token is stored and not about to expire.
   *
   * @example
   * ```ts
   * if (!client.isSignedIn()) await client.signIn();
   * ```
   */
  isSignedIn(): boolean {
    return this.accessToken !== undefined;
  }

  /**
   * The stored access token, unless it has expired.
   *
   * @example
   * ```ts
   * const socket = new WebSocket(`wss://api.example/live?access_token=${client.accessToken}`);
   * ```
   */
  get accessToken(): string | undefined {
    const tokens = this.#tokens();
    return tokens !== undefined && isUnexpired(tokens, this.now()) ? tokens.accessToken : undefined;
  }

  /**
   * The decoded payload of the stored ID token (`sub`, `acr`, `amr`,
   * `auth_time`, …). It is not verified here: it came straight from the
   * token endpoint over TLS and its `iss`, `aud` and `nonce` were checked
   * on arrival. Still there after the access token expires.
   *
   * @example
   * ```ts
   * greeting.textContent = `Hello ${String(client.idTokenClaims()?.preferred_username)}`;
   * ```
   */
  idTokenClaims(): Record<string, unknown> | undefined {
    const idToken = this.#tokens()?.idToken;
    return idToken === undefined ? undefined : decodeJwtPayload(idToken);
  }

  /**
   * The decoded payload of the stored access token, **for display only**:
   * the API is what verifies it.
   *
   * @example
   * ```ts
   * badge.textContent = String(client.accessTokenClaims()?.acr); // 'aal2'
   * ```
   */
  accessTokenClaims(): Record<string, unknown> | undefined {
    const accessToken = this.#tokens()?.accessToken;
    return accessToken === undefined ? undefined : decodeJwtPayload(accessToken);
  }

  /**
   * Navigates to the authorization endpoint. The returned promise resolves
   * once navigation has started; the page then unloads. With
   * `authorizationDetails` the request is pushed first (RFC 9126) and the
   * sign-in is a bound approval: see {@link SignInOptions}.
   *
   * @param options - where to come back to, what assurance to ask for, and the transaction to approve
   * @throws StepwiseClientError `ERR_CLIENT_PAR_UNSUPPORTED`, and `ERR_CLIENT_PAR_FAILED` (both before navigating)
   * @example
   * ```ts
   * signInButton.onclick = () => client.signIn({ returnTo: '/accounts' });
   * approveButton.onclick = () => client.signIn({ acrValues: ['aal2'], maxAge: 300, authorizationDetails: [payment] });
   * ```
   */
  async signIn(options: SignInOptions = {}): Promise<void> {
    const { returnTo = this.currentUrl(), ...ask } = options;
    await this.#redirectToAuthorization(ask, returnTo);
  }

  /**
   * Finishes a redirect sign-in on the callback page: checks `state`,
   * exchanges the code, stores the tokens, then sends the API request that
   * started the sign-in (if any) again, once. The saved transaction is
   * deleted as soon as its `state` matches, before the code exchange and
   * the replay, so reloading the callback page fails with
   * `ERR_CLIENT_STATE_MISMATCH` instead of replaying twice.
   *
   * A bound step-up (the challenge carried `authorization_details`) stores
   * nothing: its token approves one transaction, so it is used for the
   * replay only and the session's tokens stay as they were.
   *
   * @param url - the callback URL; default the current one
   * @throws StepwiseClientError `ERR_CLIENT_STATE_MISMATCH` (nothing is stored), `ERR_CLIENT_ISSUER_MISMATCH`,
   *   `ERR_CLIENT_CALLBACK_INVALID`, `ERR_CLIENT_TOKEN_EXCHANGE`, `ERR_CLIENT_ID_TOKEN_INVALID`
   * @throws AuthorizationDeniedError when the server answered with an OAuth error
   * @example
   * ```ts
   * // callback.html
   * const { returnTo, resumed } = await client.handleRedirectCallback();
   * if (resumed?.response.ok) sessionStorage.setItem('flash', 'Transfer sent');
   * location.replace(returnTo);
   * ```
   */
  async handleRedirectCallback(url: string = this.currentUrl()): Promise<RedirectCallbackResult> {
    const transaction = takeSignInTransaction(this.#storage(), readAuthorizationResponse(url).state);
    const { returnTo, pending, bound = false } = transaction;
    const { accessToken } = await this.#finishAuthorization(url, transaction, { keep: !bound });
    if (pending === undefined) return bound ? { returnTo, boundAccessToken: accessToken } : { returnTo };
    const response = await this.send(fromPendingRequest(pending, accessToken));
    return { returnTo, resumed: { method: pending.method, url: pending.url, response } };
  }

  /**
   * Calls an API with the stored access token and answers step-up
   * challenges ({@link createStepUpFetch}). Without a usable token, or when
   * the API answers 401 `invalid_token`, it starts a redirect sign-in with
   * this request saved to be sent again by `handleRedirectCallback` (in
   * popup mode too: a first sign-in is a whole-page affair).
   * Whenever the page navigates away, the promise never settles.
   *
   * Redirect mode saves the request across the redirect, so its body must
   * be text (string, URLSearchParams, JSON). Popup mode keeps the page, but
   * browsers may block a popup opened this long after the click (Safari
   * especially): catch `ERR_CLIENT_POPUP_BLOCKED` and fall back to
   * redirect. A cross-origin API must expose `WWW-Authenticate` through
   * `Access-Control-Expose-Headers`.
   *
   * A challenge with `authorization_details` runs a bound step-up: the
   * request is pushed to the PAR endpoint, and the token it yields is sent
   * with this request's one retry and then forgotten; the session's tokens
   * are untouched. Each bound step-up has its own popup.
   *
   * @param input - as for `fetch`
   * @param init - as for `fetch`
   * @throws StepwiseClientError `ERR_CLIENT_BODY_NOT_REPLAYABLE` (before navigating), `ERR_CLIENT_POPUP_BLOCKED`,
   *   `ERR_CLIENT_POPUP_CLOSED`, `ERR_CLIENT_PAR_UNSUPPORTED` and `ERR_CLIENT_PAR_FAILED` (before navigating), and
   *   the errors of the token exchange in popup mode
   * @example
   * ```ts
   * const response = await client.fetch('/api/transfers', {
   *   method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to, amount }),
   * });
   * if (response.status === 401) showStepUpRefused(await response.json());
   * ```
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    if (this.accessToken === undefined) return this.#signInToResume(request);
    const spare = request.clone();
    let boundRetry = false;
    const apiFetch = createStepUpFetch({
      getAccessToken: () => this.accessToken,
      stepUp: (challenge, refused) => {
        boundRetry = challenge.authorizationDetails !== undefined;
        return this.#stepUp(challenge, refused);
      },
      fetch: (input, init) => this.send(input, init),
    });
    const response = await apiFetch(request);
    // A refused bound token says nothing about the session's own tokens.
    if (!boundRetry && response.status === 401 && readBearerError(response)?.error === 'invalid_token') {
      // Revoked, or signed with a retired key: only a new sign-in helps.
      this.#storage().remove(TOKENS_KEY);
      return this.#signInToResume(spare);
    }
    return response;
  }

  /**
   * Forgets the tokens and any sign-in in progress, then navigates to the
   * provider's `end_session_endpoint` (RP-initiated logout) so the
   * provider's session ends too.
   *
   * @param returnTo - `post_logout_redirect_uri`, which must be registered for the client;
   *   default the redirect URI's origin followed by `/`
   * @example
   * ```ts
   * signOutButton.onclick = () => client.signOut();
   * ```
   */
  signOut(returnTo?: string): void {
    const idToken = this.#tokens()?.idToken;
    this.#storage().clear();
    const postLogoutRedirectUri = returnTo ?? `${this.#redirectOrigin}/`;
    const endpoint = this.#metadata.end_session_endpoint;
    if (endpoint === undefined) {
      this.navigate(postLogoutRedirectUri);
      return;
    }
    const url = new URL(endpoint);
    if (idToken !== undefined) url.searchParams.set('id_token_hint', idToken);
    url.searchParams.set('client_id', this.#options.clientId);
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
    this.navigate(url.href);
  }

  /**
   * For the callback page in popup mode: posts the authorization response
   * to the opener (only if it has the application's origin) and closes the
   * popup. The opener checks `state` and exchanges the code.
   *
   * The provider's pages must not send `Cross-Origin-Opener-Policy:
   * same-origin`: it cuts the popup off from its opener, which then sees the
   * popup as closed.
   *
   * @param url - the callback URL; default the current one
   * @throws StepwiseClientError `ERR_CLIENT_NO_OPENER` when the page was not opened as a popup
   * @example
   * ```ts
   * // callback.html, shared by both modes
   * if (window.opener) client.completePopup();
   * else location.replace((await client.handleRedirectCallback()).returnTo);
   * ```
   */
  completePopup(url: string = this.currentUrl()): void {
    const opener = this.opener();
    if (opener === null) throw new StepwiseClientError('ERR_CLIENT_NO_OPENER');
    postPopupResponse(opener, url, this.#redirectOrigin);
    this.closeWindow();
  }

  async #stepUp(challenge: StepUpChallenge, request: Request): Promise<string> {
    const ask = askForChallenge(challenge);
    if (this.#options.mode !== 'popup') return this.#signInToResume(request, ask);
    // Each bound step-up approves its own transaction: it cannot share another's popup.
    if (ask.authorizationDetails !== undefined) return this.#authorizeInPopup(ask);
    this.#popupStepUp ??= this.#authorizeInPopup(ask).finally(() => {
      this.#popupStepUp = undefined;
    });
    return this.#popupStepUp;
  }

  /** Saves the request, goes to the authorization endpoint, and never settles. */
  async #signInToResume(request: Request, ask: AuthorizationAsk = {}): Promise<never> {
    const pending = await toPendingRequest(request);
    await this.#redirectToAuthorization(ask, this.currentUrl(), pending);
    return leavingPage();
  }

  async #redirectToAuthorization(ask: AuthorizationAsk, returnTo: string, pending?: PendingRequest): Promise<void> {
    const { url, secrets } = await prepareAuthorization(this.#codeFlow, ask);
    const transaction: SignInTransaction = {
      ...secrets,
      returnTo,
      ...(pending === undefined ? {} : { pending }),
      ...(ask.authorizationDetails === undefined ? {} : { bound: true }),
    };
    saveSignInTransaction(this.#storage(), transaction);
    this.navigate(url);
  }

  async #authorizeInPopup(ask: AuthorizationAsk): Promise<string> {
    const bound = ask.authorizationDetails !== undefined;
    const { url, secrets } = await prepareAuthorization(this.#codeFlow, ask);
    // Under one window name, a second bound popup would take over the first one's window.
    const popup = this.openPopup(url, bound ? `${POPUP_NAME}-${secrets.state.slice(0, 12)}` : POPUP_NAME);
    if (popup === null) throw new StepwiseClientError('ERR_CLIENT_POPUP_BLOCKED');
    const callbackUrl = await waitForPopupResponse({
      popup,
      messages: this.messageTarget(),
      origin: this.#redirectOrigin,
      state: secrets.state,
    });
    popup.close();
    return (await this.#finishAuthorization(callbackUrl, secrets, { keep: !bound })).accessToken;
  }

  /** Exchanges the code; `keep` is false for a bound token, which would otherwise go with every later call. */
  async #finishAuthorization(callbackUrl: string, secrets: AuthorizationSecrets, { keep }: { keep: boolean }): Promise<StoredTokens> {
    const tokens = toStoredTokens(await completeAuthorization(this.#codeFlow, callbackUrl, secrets), this.now());
    if (keep) this.#storage().write(TOKENS_KEY, tokens);
    return tokens;
  }

  #tokens(): StoredTokens | undefined {
    return this.#storage().read(TOKENS_KEY, isStoredTokens);
  }

  #storage(): PrefixedStorage {
    this.#store ??= new PrefixedStorage(this.#options.storage ?? browserWindow().sessionStorage, `stepwise:${this.#options.clientId}:`);
    return this.#store;
  }

  /**
   * Sends a request: discovery aside, every HTTP call of the client.
   *
   * @param input - as for `fetch`
   * @param init - as for `fetch`
   */
  protected send(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // Called as a plain function: browsers refuse a fetch whose `this` is not the window.
    const send = this.#options.fetch ?? globalThis.fetch;
    return send(input, init);
  }

  /** @param url - where the page goes next */
  protected navigate(url: string): void {
    browserWindow().location.assign(url);
  }

  /** The page's URL: the default `returnTo`, and the callback URL on the callback page. */
  protected currentUrl(): string {
    return browserWindow().location.href;
  }

  /**
   * @param url - the authorization URL to open
   * @param name - the window name; a popup already open under it is reused
   * @returns the popup, or null when the browser blocked it
   */
  protected openPopup(url: string, name: string = POPUP_NAME): PopupHandle | null {
    return browserWindow().open(url, name, POPUP_FEATURES);
  }

  /** Where the popup's `message` events arrive. */
  protected messageTarget(): EventTarget {
    return browserWindow();
  }

  /** The window that opened this popup, or null. */
  protected opener(): OpenerHandle | null {
    const opener: unknown = browserWindow().opener;
    return typeof opener === 'object' && opener !== null ? (opener as OpenerHandle) : null;
  }

  protected closeWindow(): void {
    browserWindow().close();
  }

  /** Epoch milliseconds, for token expiry. */
  protected now(): number {
    return Date.now();
  }
}
