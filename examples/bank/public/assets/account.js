/* global document, location, FormData */
// The account page: balance and activity, transfers, the email change, the
// outcome of a request the SDK replayed after a step-up at Stepwise, and the
// choice of confirming with Stepwise in this page or in a popup window.
import { readStepUpChallenge } from '/sdk/index.js';
import { forgetChallenge, notePopupBlocked, readConfirmMode, saveConfirmMode, takeChallenge, takeFlash, takePopupBlocked } from './memory.js';
import { byId, formatMoney, renderAccount, renderAssurance, renderExplanation, setBusy, setFormError, showFlash } from './view.js';

/** The payee of the quick-transfer buttons. */
const DEMO_PAYEE = 'Jamie Rivera';
const STATUS_TEXT = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 413: 'Content Too Large' };
/** Why the API refused an approval (the guard's `ERR_TXN_…` codes), in the bank's words. */
const APPROVAL_REFUSALS = {
  ERR_TXN_MISMATCH: 'The transfer was changed after you approved it (amount, payee or reference), so the bank refused it. Nothing was sent. Send it again to approve the transfer as it is now.',
  ERR_TXN_REPLAYED: 'That approval was already used for one transfer, so it cannot send another. Nothing more was sent.',
  ERR_TXN_EXPIRED: 'Your approval is more than 5 minutes old, so the bank refused it. Nothing was sent. Send the transfer again to approve it afresh.',
  ERR_TXN_UNBOUND: 'This transfer needs your approval of its amount and payee at Stepwise. Nothing was sent.',
};
const AMOUNT_PATTERN = /^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/;

/**
 * A sentence for a sign-in or step-up that did not complete.
 * @param {{ code?: string, oauthError?: string, message?: string }} failure
 */
export function describeFailure(failure) {
  if (failure.code === 'ERR_CLIENT_POPUP_CLOSED') return 'The Stepwise window was closed before you confirmed. Nothing was sent or changed.';
  if (failure.oauthError === 'access_denied') return 'You cancelled at Stepwise. Nothing was sent or changed.';
  if (failure.oauthError === 'unmet_authentication_requirements') {
    return 'Your account has no second factor that can confirm this. Nothing was sent or changed.';
  }
  return `The sign-in did not complete (${failure.code ?? 'error'}). Nothing was sent or changed.`;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function pathOf(url) {
  return new URL(url, location.origin).pathname;
}

function statusLine(result) {
  return `${result.status} ${STATUS_TEXT[result.status] ?? ''}`.trim();
}

/** What to tell the user about one API answer: banner kind and text, and the field at fault. */
function outcomeOf(result) {
  const { status, body } = result;
  // A read the SDK resumed after a fresh sign-in: the page shows its data, there is nothing to announce.
  if (result.method === 'GET' && status === 200) return undefined;
  if (status === 201 && body?.transfer) {
    return { kind: 'success', text: `Transfer of ${formatMoney(body.transfer.amount)} to ${body.transfer.payee} completed.` };
  }
  if (status === 200 && body?.email) return { kind: 'success', text: `Your email address is now ${body.email}.` };
  if (status === 400 && body?.message) return { kind: 'error', text: body.message, field: body.field };
  if (status === 401 && APPROVAL_REFUSALS[body?.error]) return { kind: 'error', text: APPROVAL_REFUSALS[body.error], code: body.error };
  if (status === 401 && result.challenged) {
    return { kind: 'error', text: 'Stepwise could not confirm it’s you at the level this needs. Nothing was changed.' };
  }
  if (status === 401) return { kind: 'error', text: 'Your session has ended. Please sign in again.', signIn: true };
  return { kind: 'error', text: `The bank could not complete this (${statusLine(result)}). Nothing was changed.` };
}

/** The steps of the "What just happened" panel for one API answer. */
function explanationOf(result, challenge) {
  const auth = result.body?.auth;
  const token = auth ? `${auth.acr} · ${(auth.amr ?? []).join(' + ')}` : undefined;
  const request = `${result.method} ${pathOf(result.url)}`;
  if (!challenge) {
    const accepted = result.status >= 200 && result.status < 300;
    return [
      { text: `Your browser called the bank’s API with your current access token${token ? ` (${token})` : ''}:`, code: request },
      accepted
        ? { text: 'The API accepted it straight away: this request needs no more than your current sign-in.', code: statusLine(result) }
        : { text: 'The API refused it without asking for a step-up, so nothing was changed:', code: `${statusLine(result)}${result.body?.error ? ` · ${result.body.error}` : ''}` },
    ];
  }
  const asked = readStepUpChallenge(challenge.header);
  const ask = `acr_values=${asked?.acrValues.join(' ') ?? '?'}${asked?.maxAge === undefined ? '' : ` and max_age=${asked.maxAge}`}`;
  const how = {
    popup: `The Stepwise SDK kept the request and opened Stepwise in a popup window with ${ask}, leaving this page as it was.`,
    blocked: `Your browser blocked the popup window, so the Stepwise SDK saved the request and sent you to Stepwise in this page instead, with ${ask}.`,
    redirect: `The Stepwise SDK saved the request and sent you to Stepwise with ${ask}.`,
  }[challenge.via ?? 'redirect'];
  const steps = [
    { text: `The bank’s API refused the first attempt of ${request} with 401 Unauthorized and an RFC 9470 step-up challenge:`, code: `WWW-Authenticate: ${challenge.header}` },
    { text: `${how} Stepwise asked only for the factor that was missing.` },
  ];
  if (asked?.authorizationDetails) {
    steps.push({ text: 'The challenge also carried the transfer itself (authorization_details). The SDK pushed it to Stepwise (a pushed authorization request, so it could not be edited in the browser); Stepwise showed you the amount and payee while you confirmed, and the new token is good for this one transfer, once.' });
  }
  if (result.kind === 'failed') steps.push({ text: 'You did not complete it there, so the request was not sent again.' });
  else {
    const back = challenge.via === 'popup' ? 'When the popup closed, the SDK sent the request once more' : 'Back here, the SDK sent the saved request once more';
    const refusal = result.status >= 400 && result.body?.error ? ` · ${result.body.error}` : '';
    steps.push({ text: `${back}, with the new access token:`, code: `${statusLine(result)}${token ? ` · ${token}` : ''}${refusal}` });
  }
  return steps;
}

/** Shows one API answer: banner, panel, errors on the form, fresh account data. */
async function present(client, result, challenge, form) {
  const outcome = outcomeOf({ ...result, challenged: Boolean(challenge) });
  if (!outcome) {
    await loadAccount(client);
    return;
  }
  // A field error is shown at its form; the banner only says nothing happened.
  const atForm = form && outcome.kind === 'error' && outcome.field;
  showFlash(outcome.kind, atForm ? `${form.id === 'email-form' ? 'Your email address was not changed' : 'The transfer was not sent'}. Please check the form.` : outcome.text);
  renderExplanation(explanationOf(result, challenge));
  if (result.body?.auth) renderAssurance(result.body.auth);
  if (form) setFormError(form, form.id === 'email-form' ? 'email' : 'transfer', outcome.field, outcome.kind === 'error' ? outcome.text : undefined);
  if (outcome.kind === 'success') form?.reset();
  if (outcome.signIn) await client.signIn({ returnTo: '/account' });
  try {
    await loadAccount(client, result.body?.transfer?.id);
  } catch {
    // The outcome above stands; only the figures below it may be stale.
    showFlash(outcome.kind, `${byId('flash').textContent} The balance shown may be out of date: reload the page to refresh it.`);
  }
}

async function loadAccount(client, newId) {
  const response = await client.fetch('/api/account');
  if (response.status === 401) {
    await client.signIn({ returnTo: '/account' });
    return;
  }
  if (!response.ok) throw new Error(`the account could not be loaded (${response.status})`);
  const account = await response.json();
  // The ID token names the user; the bank's API only knows the token's subject.
  const claims = client.idTokenClaims() ?? {};
  renderAccount({ ...account, holder: claims.name ?? claims.preferred_username ?? account.holder }, newId);
}

function callApi(client, request) {
  return client.fetch(request.url, {
    method: request.method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  });
}

/** A step-up that did not finish in the popup: say why, show what happened, and leave the forms as they are. */
function showPopupFailure(error, request) {
  const challenge = takeChallenge();
  if (error.code === 'ERR_CLIENT_POPUP_CLOSED') {
    showFlash('error', 'The Stepwise window was closed before you confirmed, so nothing was sent or changed. Your details are still here: try again when you are ready.');
  } else {
    showFlash('error', describeFailure(error));
  }
  if (challenge) renderExplanation(explanationOf({ kind: 'failed', method: request.method, url: request.url }, { ...challenge, via: 'popup' }));
}

/**
 * Sends one API request through the SDK. When the API answers with a
 * step-up challenge, the SDK either leaves for Stepwise (redirect mode: this
 * never resolves, and the outcome is shown after the callback) or opens
 * Stepwise in a popup and sends the request again once the popup is done.
 */
async function send(clientFor, request, form) {
  setBusy(true);
  forgetChallenge();
  const mode = readConfirmMode();
  let via = mode;
  let response;
  try {
    response = await callApi(clientFor(mode), request);
  } catch (error) {
    if (error.code === 'ERR_CLIENT_POPUP_BLOCKED') {
      // This call goes by redirect; the setting stays as the user chose it.
      showFlash('info', 'Your browser blocked the popup window, so Stepwise opens in this page instead. You will come back here afterwards.');
      notePopupBlocked();
      via = 'blocked';
      try {
        response = await callApi(clientFor('redirect'), request);
      } catch (fallbackError) {
        takePopupBlocked();
        showFlash('error', `The request could not be sent (${fallbackError.message}). Nothing was changed.`);
        setBusy(false);
        return;
      }
    } else if (mode === 'popup' && (error.code?.startsWith('ERR_CLIENT_') ?? false)) {
      showPopupFailure(error, request);
      setBusy(false);
      return;
    } else {
      showFlash('error', `The request could not be sent (${error.message}). Nothing was changed.`);
      setBusy(false);
      return;
    }
  }
  // Still here: the request was answered without leaving the page.
  if (via === 'blocked') takePopupBlocked();
  const body = await readJson(response);
  setBusy(false);
  const challenge = takeChallenge();
  await present(clientFor(), { method: request.method, url: request.url, status: response.status, body }, challenge && { ...challenge, via }, form);
}

function transfer(clientFor, order, form) {
  showFlash('info', `Sending ${formatMoney(order.amount)} to ${order.payee}…`);
  return send(clientFor, { method: 'POST', url: '/api/transfers', body: order }, form);
}

/** The "Confirm with Stepwise" setting: in this page (redirect) or in a popup window. */
function wireConfirmMode() {
  const current = readConfirmMode();
  for (const radio of document.querySelectorAll('input[name="confirm-mode"]')) {
    radio.checked = radio.value === current;
    radio.addEventListener('change', () => {
      if (radio.checked) saveConfirmMode(radio.value);
    });
  }
}

function wireForms(clientFor) {
  const client = clientFor();
  wireConfirmMode();
  for (const button of document.querySelectorAll('[data-amount]')) {
    button.addEventListener('click', () => transfer(clientFor, { amount: Number(button.dataset.amount), payee: DEMO_PAYEE, reference: 'Quick transfer' }));
  }
  const transferForm = byId('transfer-form');
  transferForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = new FormData(transferForm);
    const amountText = String(fields.get('amount')).trim();
    if (!AMOUNT_PATTERN.test(amountText)) {
      setFormError(transferForm, 'transfer', 'amount', 'Enter an amount such as 250 or 1,250.50.');
      return;
    }
    const order = { amount: Number(amountText.replaceAll(',', '')), payee: String(fields.get('payee')), reference: String(fields.get('reference')) };
    transfer(clientFor, order, transferForm);
  });
  const emailForm = byId('email-form');
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    showFlash('info', 'Updating your email address…');
    send(clientFor, { method: 'PUT', url: '/api/account/email', body: { email: String(new FormData(emailForm).get('email')) } }, emailForm);
  });
  // Ends the Stepwise session too (RP-initiated logout), which comes back to the landing page.
  byId('sign-out').addEventListener('click', () => client.signOut());
}

/**
 * Runs the account page.
 * @param {(mode?: 'redirect' | 'popup') => object} clientFor - the Stepwise browser client for a step-up mode (default redirect)
 */
export async function runAccountPage(clientFor) {
  const client = clientFor();
  if (!client.isSignedIn()) {
    location.replace('/');
    return;
  }
  wireForms(clientFor);
  const flash = takeFlash();
  const fellBack = takePopupBlocked();
  const stored = takeChallenge();
  const challenge = stored && { ...stored, via: fellBack ? 'blocked' : 'redirect' };
  if (flash?.kind === 'resumed') {
    await present(client, flash, challenge, undefined);
    return;
  }
  if (flash?.kind === 'failed') {
    showFlash('error', describeFailure(flash));
    if (challenge) renderExplanation(explanationOf({ ...flash, method: challenge.method, url: challenge.url }, challenge));
  }
  await loadAccount(client);
}
