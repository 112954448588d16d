/* global sessionStorage, localStorage */
// What the bank's pages hand to each other across the redirect to Stepwise
// and back: the challenge the API sent, and the outcome to show. Kept in
// sessionStorage (this tab only) and read once. The user's choice of how to
// confirm with Stepwise is a preference, kept in localStorage.

const FLASH_KEY = 'stepwise-bank:flash';
const CHALLENGE_KEY = 'stepwise-bank:challenge';
const POPUP_BLOCKED_KEY = 'stepwise-bank:popup-blocked';
const CONFIRM_MODE_KEY = 'stepwise-bank:confirm-mode';
/** How a step-up is shown: `redirect` (in this page, the default) or `popup`. */
const CONFIRM_MODES = ['redirect', 'popup'];
/** The choice made on this page, for when localStorage is unavailable. */
let chosenMode;
/** A challenge older than this belongs to an abandoned attempt. */
const CHALLENGE_TTL_MS = 15 * 60 * 1000;

function take(key) {
  const text = sessionStorage.getItem(key);
  sessionStorage.removeItem(key);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Keeps an outcome for the next page to show.
 * @param {object} flash - `{ kind: 'resumed', method, url, status, body }` or `{ kind: 'failed', code, oauthError, message }`
 */
export function saveFlash(flash) {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify(flash));
}

/** The kept outcome, once. */
export function takeFlash() {
  return take(FLASH_KEY);
}

/**
 * Keeps the step-up challenge an API response carried, before the SDK
 * navigates away to answer it. Only the first since the last
 * {@link forgetChallenge}: a refusal of the replay (an approval that no
 * longer matches) must not hide the challenge that started the step-up.
 * @param {{ header: string, method: string, url: string }} challenge
 */
export function saveChallenge(challenge) {
  if (sessionStorage.getItem(CHALLENGE_KEY) !== null) return;
  sessionStorage.setItem(CHALLENGE_KEY, JSON.stringify({ ...challenge, at: Date.now() }));
}

/** The kept challenge, once, if recent. */
export function takeChallenge() {
  const challenge = take(CHALLENGE_KEY);
  return challenge && Date.now() - challenge.at < CHALLENGE_TTL_MS ? challenge : undefined;
}

/** Forgets a kept challenge, so the next one read belongs to the next request. */
export function forgetChallenge() {
  sessionStorage.removeItem(CHALLENGE_KEY);
}

/** Notes that the popup was blocked and this step-up went by redirect instead. */
export function notePopupBlocked() {
  sessionStorage.setItem(POPUP_BLOCKED_KEY, '1');
}

/** Whether the step-up just finished fell back to a redirect, once. */
export function takePopupBlocked() {
  return take(POPUP_BLOCKED_KEY) === 1;
}

/**
 * How the user wants to confirm with Stepwise.
 * @returns {'redirect' | 'popup'}
 */
export function readConfirmMode() {
  let mode = chosenMode;
  try {
    mode = localStorage.getItem(CONFIRM_MODE_KEY) ?? mode;
  } catch {
    // Storage disabled: the choice made on this page, or the default.
  }
  return CONFIRM_MODES.includes(mode) ? mode : 'redirect';
}

/**
 * Remembers how the user wants to confirm with Stepwise.
 * @param {'redirect' | 'popup'} mode
 */
export function saveConfirmMode(mode) {
  if (!CONFIRM_MODES.includes(mode)) return;
  chosenMode = mode;
  try {
    localStorage.setItem(CONFIRM_MODE_KEY, mode);
  } catch {
    // Storage disabled: the choice holds for this page only.
  }
}
