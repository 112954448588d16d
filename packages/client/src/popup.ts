import { StepwiseClientError } from './errors.js';

/** The `type` of the message the popup callback page posts to its opener. */
export const POPUP_MESSAGE_TYPE = 'stepwise:authorization-response';

/** The message the popup callback page posts: the whole callback URL, parsed by the opener. */
export interface PopupMessage {
  readonly type: typeof POPUP_MESSAGE_TYPE;
  readonly url: string;
}

/** The part of a popup `Window` the opener uses. */
export interface PopupHandle {
  readonly closed: boolean;
  close(): void;
}

/** The part of `window.opener` the popup uses. */
export interface OpenerHandle {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** What {@link waitForPopupResponse} waits for. */
export interface PopupWait {
  readonly popup: PopupHandle;
  /** Where `message` events arrive: the opener's `window`. */
  readonly messages: EventTarget;
  /** Origin of the redirect URI; messages from any other origin are ignored. */
  readonly origin: string;
  /** The `state` of this request; responses to other requests are ignored. */
  readonly state: string;
  /** How often to check whether the user closed the popup; default 500 ms. */
  readonly pollIntervalMs?: number;
}

function isPopupMessage(data: unknown): data is PopupMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as Record<string, unknown>).type === POPUP_MESSAGE_TYPE &&
    typeof (data as Record<string, unknown>).url === 'string'
  );
}

function stateOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get('state');
  } catch {
    return null;
  }
}

/**
 * Waits, in the opener, for the popup's callback page to post the
 * authorization response. Messages from another origin, of another shape,
 * or for another `state` are ignored rather than failing the wait, since
 * other scripts may post messages too.
 *
 * @param wait - the popup, where messages arrive, and what to accept
 * @returns the callback URL the popup was sent to
 * @throws StepwiseClientError `ERR_CLIENT_POPUP_CLOSED` when the popup closes without answering
 * @example
 * ```ts
 * const callbackUrl = await waitForPopupResponse({ popup, messages: window, origin: new URL(redirectUri).origin, state });
 * ```
 */
export function waitForPopupResponse(wait: PopupWait): Promise<string> {
  return new Promise((resolve, reject) => {
    let closedOnce = false;
    const onMessage = (event: Event): void => {
      const { origin, data } = event as MessageEvent<unknown>;
      if (origin !== wait.origin || !isPopupMessage(data) || stateOf(data.url) !== wait.state) return;
      stop();
      resolve(data.url);
    };
    const timer = setInterval(() => {
      if (!wait.popup.closed) return;
      // The callback page posts, then closes itself: give a message that
      // is still queued one more turn before calling the popup abandoned.
      if (!closedOnce) {
        closedOnce = true;
        return;
      }
      stop();
      reject(new StepwiseClientError('ERR_CLIENT_POPUP_CLOSED'));
    }, wait.pollIntervalMs ?? 500);
    const stop = (): void => {
      clearInterval(timer);
      wait.messages.removeEventListener('message', onMessage);
    };
    wait.messages.addEventListener('message', onMessage);
  });
}

/**
 * Posts the callback URL from the popup to its opener. The target origin
 * is the application's own, so the code never reaches an opener from
 * another origin.
 *
 * @param opener - `window.opener`
 * @param url - the callback URL the popup was sent to
 * @param origin - the application's origin (that of the redirect URI)
 * @example
 * ```ts
 * postPopupResponse(window.opener, location.href, location.origin);
 * ```
 */
export function postPopupResponse(opener: OpenerHandle, url: string, origin: string): void {
  const message: PopupMessage = { type: POPUP_MESSAGE_TYPE, url };
  opener.postMessage(message, origin);
}
