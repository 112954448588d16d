/* global document, location, window */
// Entry point of every page: creates the Stepwise client and runs the page
// named by <body data-page>. The client SDK is served by the bank at /sdk/.
import config from '/config.js';
import { discoverProvider, readStepUpChallenge, StepwiseBrowserClient } from '/sdk/index.js';
import { runAccountPage, describeFailure } from './account.js';
import { saveChallenge, saveFlash, takeFlash } from './memory.js';
import { byId } from './view.js';

/**
 * fetch, plus a note of any RFC 9470 challenge from the bank's API, kept
 * before the SDK navigates to Stepwise so the account page can show
 * afterwards what the API asked for.
 * @param {RequestInfo | URL} input
 * @param {RequestInit} [init]
 */
async function fetchNotingChallenges(input, init) {
  const response = await globalThis.fetch(input, init);
  const header = response.headers.get('www-authenticate');
  if (response.status === 401 && header && readStepUpChallenge(header)) {
    // Read, not rebuilt: the SDK passes a Request whose body has been sent.
    const sent = input instanceof Request ? input : { method: init?.method ?? 'GET', url: new URL(String(input), location.href).href };
    saveChallenge({ header, method: sent.method.toUpperCase(), url: sent.url });
  }
  return response;
}

/** A same-origin path to go back to, or undefined for anything else. */
function localPath(value) {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value, location.origin);
    return url.origin === location.origin ? `${url.pathname}${url.search}${url.hash}` : undefined;
  } catch {
    return undefined;
  }
}

function showStatus(text, isError = false) {
  const status = byId('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

async function runLandingPage(client) {
  if (client.isSignedIn()) {
    location.replace('/account');
    return;
  }
  const failure = takeFlash();
  if (failure?.kind === 'failed') showStatus(describeFailure(failure), true);
  const button = byId('sign-in');
  button.disabled = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    showStatus('Taking you to Stepwise…');
    try {
      await client.signIn({ returnTo: '/account' });
    } catch (error) {
      button.disabled = false;
      showStatus(`Could not start the sign-in: ${error.message}`, true);
    }
  });
}

/**
 * The start of the `window.name` the SDK gives its step-up popups
 * (`stepwise-sign-in`, and `stepwise-sign-in-<id>` for each bound approval,
 * in the client's browser-client.ts).
 */
const POPUP_WINDOW_NAME = 'stepwise-sign-in';

/** The callback page inside the SDK's popup: hand the response to the opener, which finishes the step-up. */
function completeInPopup(client) {
  if (!window.opener) {
    // Cut off from the bank's page (a Cross-Origin-Opener-Policy on the way, or the page was closed).
    showStatus('This window lost touch with the Stepwise Bank page that opened it. Close it and try again from there.', true);
    byId('recover').hidden = false;
    return;
  }
  showStatus('Confirmed. Returning to Stepwise Bank…');
  client.completePopup();
}

async function runCallbackPage(client) {
  if (window.name.startsWith(POPUP_WINDOW_NAME)) {
    completeInPopup(client);
    return;
  }
  try {
    const { returnTo, resumed } = await client.handleRedirectCallback();
    if (resumed) {
      const body = await resumed.response.clone().json().catch(() => null);
      saveFlash({ kind: 'resumed', method: resumed.method, url: resumed.url, status: resumed.response.status, body });
    }
    location.replace(localPath(returnTo) ?? '/account');
  } catch (error) {
    saveFlash({ kind: 'failed', code: error.code, oauthError: error.oauthError, message: error.message });
    location.replace(client.isSignedIn() ? '/account' : '/');
  }
}

/**
 * One Stepwise client per step-up mode, sharing the discovery document and
 * the stored tokens (same client id, same session storage). The redirect
 * client is the default, and the fallback when a popup is blocked.
 */
function clientsFor(metadata) {
  const made = new Map();
  return (mode = 'redirect') => {
    if (!made.has(mode)) {
      made.set(mode, new StepwiseBrowserClient({
        issuer: config.issuer,
        clientId: config.clientId,
        redirectUri: `${config.origin}/callback`,
        resource: config.resource,
        mode,
        fetch: fetchNotingChallenges,
      }, metadata));
    }
    return made.get(mode);
  };
}

const pages = {
  landing: (clientFor) => runLandingPage(clientFor()),
  callback: (clientFor) => runCallbackPage(clientFor()),
  account: runAccountPage,
};

try {
  const clientFor = clientsFor(await discoverProvider(config.issuer));
  await pages[document.body.dataset.page]?.(clientFor);
} catch (error) {
  console.error(error);
  const status = document.getElementById('status') ?? document.getElementById('flash');
  if (status) {
    status.hidden = false;
    status.className = status.id === 'flash' ? 'flash error' : 'status error';
    status.textContent = `${config.bankName} cannot reach its sign-in service right now. Please try again in a moment.`;
  }
  document.getElementById('recover')?.removeAttribute('hidden');
}
