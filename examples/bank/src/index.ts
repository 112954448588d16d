export { startBank, DEFAULT_CLIENT_ID, type RunningBank, type StartBankOptions } from './bank.js';
export { createBankApp, bankEndpoints, BANK_NAME, type BankAppOptions } from './app.js';
export { AccountBook, OPENING_BALANCE_CENTS, CURRENCY, type Account, type Transaction } from './accounts.js';
export { FRESH_SECOND_FACTOR, SIGNED_IN } from './api.js';
export { STEP_UP_THRESHOLD_CENTS, ValidationError } from './validation.js';
