/* global document */
// Rendering for the bank's pages. Text only ever goes in through
// textContent, so a payee name cannot inject markup.

const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
const signedMoney = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR', signDisplay: 'exceptZero' });
const bookingDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

/**
 * An amount of euros as the bank writes it.
 * @param {number} amount - euros, e.g. 5000
 * @returns {string} e.g. "€5,000.00"
 */
export function formatMoney(amount) {
  return money.format(amount);
}

/**
 * Creates an element with optional class and text.
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/**
 * Shows an account as the API returns it.
 * @param {{ holder: string, email: string | null, balance: number, transactions: Array<{ id: string, bookedAt: string, counterparty: string, reference: string, amount: number }> }} account
 * @param {string} [newId] - a transaction to highlight as just booked
 */
export function renderAccount(account, newId) {
  byId('holder').textContent = account.holder;
  byId('balance').textContent = formatMoney(account.balance);
  byId('email').textContent = account.email ?? 'not on file yet';
  const list = byId('transactions');
  list.replaceChildren(
    ...account.transactions.map((transaction) => {
      const item = element('li', transaction.id === newId ? 'new' : '');
      item.append(
        element('span', 'who', transaction.counterparty),
        element('span', `amount${transaction.amount > 0 ? ' in' : ''}`, signedMoney.format(transaction.amount).replace('-', '\u2212')),
        element('span', 'what', [bookingDay.format(new Date(transaction.bookedAt)), transaction.reference].filter(Boolean).join(' · ')),
      );
      return item;
    }),
  );
  document.querySelector('main')?.setAttribute('aria-busy', 'false');
}

/**
 * Shows how the current token was authenticated in the header badge.
 * @param {{ acr?: string, amr?: string[] } | undefined} auth
 */
export function renderAssurance(auth) {
  const badge = byId('assurance');
  if (!auth?.acr) return;
  badge.textContent = `${auth.acr} · ${(auth.amr ?? []).join(' + ') || 'signed in'}`;
  badge.classList.toggle('strong', auth.acr !== 'aal1');
}

/**
 * The banner at the top of the account page.
 * @param {'success' | 'error' | 'info'} kind
 * @param {string} text
 */
export function showFlash(kind, text) {
  const flash = byId('flash');
  flash.className = `flash ${kind}`;
  flash.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  flash.textContent = text;
  flash.hidden = false;
}

/**
 * The "What just happened" panel: numbered steps, each with an optional
 * verbatim protocol detail (a header, a status line).
 * @param {Array<{ text: string, code?: string }>} steps
 */
export function renderExplanation(steps) {
  const list = byId('explain-steps');
  list.replaceChildren(
    ...steps.map((step) => {
      const item = element('li', '', step.text);
      if (step.code) item.append(element('code', '', step.code));
      return item;
    }),
  );
  byId('explain').hidden = steps.length === 0;
}

/**
 * Marks a form field (or the form as a whole) as wrong, or clears it.
 * @param {HTMLFormElement} form
 * @param {string} scope - the error paragraph's data-for value
 * @param {string | undefined} field - the input's name, when the API named one in this form
 * @param {string} [message] - nothing clears the error
 */
export function setFormError(form, scope, field, message) {
  const paragraph = form.querySelector(`[data-for="${scope}"]`);
  for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
  if (paragraph) {
    paragraph.textContent = message ?? '';
    paragraph.hidden = !message;
  }
  const input = field ? form.querySelector(`input[name="${field}"]`) : null;
  if (message && input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/**
 * Disables every button and input while a request is in flight.
 * @param {boolean} busy
 */
export function setBusy(busy) {
  for (const control of document.querySelectorAll('main button, main input')) control.disabled = busy;
}
