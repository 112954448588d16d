/* global document, location, FormData */
// The account page: balance and activity, transfers, the email change, and
// the outcome of a request the SDK replayed after a step-up at Stepwise.
import { readStepUpChallenge } from '/sdk/index.js';
import { takeChallenge, takeFlash } from './memory.js';
import { byId, formatMoney, renderAccount, renderAssurance, renderExplanation, setBusy, setFormError, showFlash } from './view.js';

/** The payee of the quick-transfer buttons. */
const DEMO_PAYEE = 'Jamie Rivera';
const STATUS_TEXT = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 413: 'Content Too Large' };
const AMOUNT_PATTERN = /^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/;

/**
 * A sentence for a sign-in or step-up that did not complete.
 * @param {{ code?: string, oauthError?: string, message?: string }} failure
 */
export function describeFailure(failure) {
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
  const steps = [
    { text: `The bank’s API refused the first attempt of ${request} with 401 Unauthorized and an RFC 9470 step-up challenge:`, code: `WWW-Authenticate: ${challenge.header}` },
    {
      text: `The Stepwise SDK saved the request and sent you to Stepwise with acr_values=${asked?.acrValues.join(' ') ?? '?'}` +
        `${asked?.maxAge === undefined ? '' : ` and max_age=${asked.maxAge}`}. Stepwise asked only for the factor that was missing.`,
    },
  ];
  if (result.kind === 'failed') steps.push({ text: 'You did not complete it there, so the request was not sent again.' });
  else steps.push({ text: 'Back here, the SDK sent the saved request once more, with the new access token:', code: `${statusLine(result)}${token ? ` · ${token}` : ''}` });
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

/**
 * Sends one API request through the SDK. When the API answers with a
 * step-up challenge, the SDK (redirect mode) leaves for Stepwise and this
 * never resolves; the outcome is shown after the callback instead.
 */
async function send(client, request, form) {
  setBusy(true);
  let response;
  try {
    response = await client.fetch(request.url, {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
  } catch (error) {
    showFlash('error', `The request could not be sent (${error.message}). Nothing was changed.`);
    setBusy(false);
    return;
  }
  const body = await readJson(response);
  setBusy(false);
  await present(client, { method: request.method, url: request.url, status: response.status, body }, undefined, form);
}

function transfer(client, order, form) {
  showFlash('info', `Sending ${formatMoney(order.amount)} to ${order.payee}…`);
  return send(client, { method: 'POST', url: '/api/transfers', body: order }, form);
}

function wireForms(client) {
  for (const button of document.querySelectorAll('[data-amount]')) {
    button.addEventListener('click', () => transfer(client, { amount: Number(button.dataset.amount), payee: DEMO_PAYEE, reference: 'Quick transfer' }));
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
    transfer(client, order, transferForm);
  });
  const emailForm = byId('email-form');
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    showFlash('info', 'Updating your email address…');
    send(client, { method: 'PUT', url: '/api/account/email', body: { email: String(new FormData(emailForm).get('email')) } }, emailForm);
  });
  // Ends the Stepwise session too (RP-initiated logout), which comes back to the landing page.
  byId('sign-out').addEventListener('click', () => client.signOut());
}

/**
 * Runs the account page.
 * @param {object} client - the Stepwise browser client
 */
export async function runAccountPage(client) {
  if (!client.isSignedIn()) {
    location.replace('/');
    return;
  }
  wireForms(client);
  const flash = takeFlash();
  const challenge = takeChallenge();
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
