/* global sessionStorage */
// What the bank's pages hand to each other across the redirect to Stepwise
// and back: the challenge the API sent, and the outcome to show. Kept in
// sessionStorage (this tab only) and read once.

const FLASH_KEY = 'stepwise-bank:flash';
const CHALLENGE_KEY = 'stepwise-bank:challenge';
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
 * navigates away to answer it.
 * @param {{ header: string, method: string, url: string }} challenge
 */
export function saveChallenge(challenge) {
  sessionStorage.setItem(CHALLENGE_KEY, JSON.stringify({ ...challenge, at: Date.now() }));
}

/** The kept challenge, once, if recent. */
export function takeChallenge() {
  const challenge = take(CHALLENGE_KEY);
  return challenge && Date.now() - challenge.at < CHALLENGE_TTL_MS ? challenge : undefined;
}
