import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { authOf, requireTransaction, type StepwiseGuard, type VerifiedAuth } from '@stepwise/guard';
import { CURRENCY, euros, type Account, type AccountBook, type Transaction } from './accounts.js';
import { formatEuros } from './money.js';
import { paymentDetails } from './transfer-approval.js';
import { parseEmail, parseTransfer, STEP_UP_THRESHOLD_CENTS, ValidationError, type TransferInput } from './validation.js';

/** Any valid sign-in: reading the account. */
export const SIGNED_IN = { acr: 'aal1' } as const;

/**
 * Two factors, the last one within five minutes: contact changes and, bound
 * to the transfer itself, large transfers (PSD2 RTS art. 4 and 5).
 */
export const FRESH_SECOND_FACTOR = { acr: 'aal2', maxAge: 300 } as const;

/** What the API needs. */
export interface ApiOptions {
  readonly guard: StepwiseGuard;
  readonly book: AccountBook;
}

/** How the request was authenticated, echoed so the demo can show it. */
function authView(auth: VerifiedAuth) {
  return { acr: auth.acr, amr: auth.amr, authTime: auth.authTime };
}

function transactionView(transaction: Transaction) {
  const { amountCents, ...rest } = transaction;
  return { ...rest, amount: euros(amountCents) };
}

function accountView(account: Account) {
  return {
    holder: account.holder,
    email: account.email,
    currency: CURRENCY,
    balance: euros(account.balanceCents),
    transactions: account.transactions.slice(0, 10).map(transactionView),
  };
}

function stringClaim(auth: VerifiedAuth, name: string): string | undefined {
  const value = (auth.claims as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function accountOf(book: AccountBook, auth: VerifiedAuth): Account {
  return book.accountFor(auth.subject, { name: stringClaim(auth, 'name'), email: stringClaim(auth, 'email') });
}

/** Runs `middleware` only for requests that match `predicate`. */
function only(predicate: (req: Request, res: Response) => boolean, middleware: RequestHandler): RequestHandler {
  return (req, res, next) => (predicate(req, res) ? middleware(req, res, next) : next());
}

function transferOf(res: Response): TransferInput {
  return res.locals.transfer as TransferInput;
}

/**
 * The bank's JSON API, every route behind the Stepwise guard:
 *
 * - `GET /account`: any sign-in (`aal1`);
 * - `POST /transfers`: `aal1` up to €1,000; above that a token approved for
 *   this very transfer (amount, payee, reference: `authorization_details`),
 *   at `aal2`, within five minutes, used once;
 * - `PUT /account/email`: `aal2` within five minutes.
 *
 * Input is validated after the `aal1` check and before any step-up, so the
 * user is never sent through a second factor for a request that would be
 * refused anyway.
 *
 * @param options - the guard and the ledger
 * @example
 * ```ts
 * app.use('/api', createApiRouter({ guard: createGuard({ issuer, audience }), book: new AccountBook() }));
 * ```
 */
export function createApiRouter(options: ApiOptions): Router {
  const { guard, book } = options;
  const signedIn = guard.express(SIGNED_IN);
  const freshSecondFactor = guard.express(FRESH_SECOND_FACTOR);
  // Rebuilt from the body the handler books, so an approval for other figures never passes.
  const approvedTransfer = guard.express<Request>(requireTransaction((req) => paymentDetails(parseTransfer(req.body)), FRESH_SECOND_FACTOR));
  const json = express.json({ limit: '8kb' });
  const router = express.Router();

  router.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  router.get('/account', signedIn, (req, res) => {
    res.json(accountView(accountOf(book, authOf(req))));
  });

  router.post(
    '/transfers',
    json,
    signedIn,
    (req, res, next) => {
      const transfer = parseTransfer(req.body);
      const account = accountOf(book, authOf(req));
      if (transfer.amountCents > account.balanceCents) {
        throw new ValidationError('amount', `The amount is more than your balance of ${formatEuros(account.balanceCents)}.`);
      }
      res.locals.transfer = transfer;
      next();
    },
    only((_req, res) => transferOf(res).amountCents > STEP_UP_THRESHOLD_CENTS, approvedTransfer),
    (req, res) => {
      const auth = authOf(req);
      const booked = book.transfer(auth.subject, transferOf(res));
      if (!booked) throw new ValidationError('amount', 'The amount is more than your balance.');
      const account = book.accountFor(auth.subject);
      res.status(201).json({
        transfer: {
          id: booked.id,
          bookedAt: booked.bookedAt,
          payee: booked.counterparty,
          reference: booked.reference,
          amount: euros(-booked.amountCents),
        },
        balance: euros(account.balanceCents),
        currency: CURRENCY,
        auth: authView(auth),
        ...(auth.authorizationDetails ? { approved: auth.authorizationDetails } : {}),
      });
    },
  );

  router.put(
    '/account/email',
    json,
    signedIn,
    (req, res, next) => {
      res.locals.email = parseEmail(req.body);
      next();
    },
    freshSecondFactor,
    (req, res) => {
      const auth = authOf(req);
      const account = book.changeEmail(auth.subject, res.locals.email as string);
      res.json({ email: account.email, auth: authView(auth) });
    },
  );

  router.use((_req, res) => {
    res.status(404).json({ error: 'ERR_NOT_FOUND', message: 'There is no such API route.' });
  });
  router.use(apiErrors);
  return router;
}

/** body-parser's error types and what the API answers for each. */
const BODY_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  'entity.parse.failed': { status: 400, message: 'The body is not valid JSON.' },
  'entity.too.large': { status: 413, message: 'The body is too large.' },
  'encoding.unsupported': { status: 415, message: 'The body’s encoding is not supported.' },
  'charset.unsupported': { status: 415, message: 'The body’s charset is not supported.' },
  'request.aborted': { status: 400, message: 'The body was not received in full.' },
};

/**
 * Bad input becomes a 4xx JSON answer with a stable code; anything else is
 * logged and answered 500 without details.
 */
function apiErrors(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof ValidationError) {
    res.status(400).json({ error: error.code, message: error.message, field: error.field });
    return;
  }
  const bodyError = BODY_ERRORS[String((error as { type?: unknown } | null)?.type)];
  if (bodyError) {
    res.status(bodyError.status).json({ error: 'ERR_VALIDATION', message: bodyError.message, field: 'body' });
    return;
  }
  console.error('bank api error', error);
  res.status(500).json({ error: 'ERR_INTERNAL', message: 'Something went wrong on our side. Nothing was changed.' });
}
