/**
 * Every failure Stepwise reports has a stable code, an HTTP status and a
 * default message, listed once here and mirrored in `docs/errors.md`.
 * HTTP answers carry the code as `{ "error": CODE, "message": … }`.
 */
export const ERROR_CATALOGUE = {
  ERR_VALIDATION: { status: 400, message: 'The request has an invalid field' },
  ERR_BAD_REQUEST: { status: 400, message: 'The request could not be read' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down' },
  ERR_CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  ERR_UNKNOWN_LEVEL: { status: 400, message: 'Unknown assurance level' },
  ERR_INVALID_REQUIREMENT: { status: 400, message: 'The assurance requirement is invalid' },
  ERR_INVALID_CREDENTIALS: { status: 401, message: 'The username or password is incorrect' },
  ERR_SESSION_REQUIRED: { status: 401, message: 'Sign in first' },
  ERR_STEP_UP_REQUIRED: { status: 401, message: 'A fresh step-up is needed for this change' },
  ERR_CODE_INVALID: { status: 400, message: 'The code is incorrect or has expired' },
  ERR_CODE_REUSED: { status: 400, message: 'This code has already been used; wait for the next one' },
  ERR_TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many wrong codes for this step-up; start again' },
  ERR_ACCOUNT_LOCKED: { status: 429, message: 'Too many failed attempts; try again later' },
  ERR_ADMIN_REQUIRED: { status: 403, message: 'This page is for Stepwise admins signed in with a second factor' },
  ERR_CSRF: { status: 403, message: 'The form has expired; reload the page and try again' },
  ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  ERR_INTERACTION_EXPIRED: { status: 400, message: 'This sign-in has expired; start again from the application' },
  ERR_FACTOR_NOT_ENROLLED: { status: 404, message: 'No such authenticator for this account' },
  ERR_FACTOR_ALREADY_ENROLLED: { status: 409, message: 'This sign-in method is already set up' },
  ERR_ENROLLMENT_EXPIRED: { status: 400, message: 'The enrollment has expired; start again' },
  ERR_CODE_EXPIRED: { status: 400, message: 'The code has expired; ask for a new one' },
  ERR_SEND_RATE_LIMITED: { status: 429, message: 'Too many codes were sent; wait before asking for another' },
  ERR_CHANNEL_UNAVAILABLE: { status: 400, message: 'Codes cannot be sent this way on this server' },
  ERR_DELIVERY_FAILED: { status: 502, message: 'The code could not be sent; try again or use another method' },
  ERR_WEBAUTHN_UNAVAILABLE: { status: 400, message: 'Passkeys and security keys are not enabled on this server' },
  ERR_WEBAUTHN_FAILED: { status: 400, message: 'The passkey or security key response could not be verified' },
  ERR_CEREMONY_EXPIRED: { status: 400, message: 'This passkey request has expired or was already used; try again' },
  ERR_CREDENTIAL_UNKNOWN: { status: 400, message: 'This passkey is not registered here' },
  ERR_CREDENTIAL_EXISTS: { status: 409, message: 'This passkey or security key is already registered' },
  ERR_AUTHENTICATOR_CLONED: { status: 403, message: "This security key's signature counter went backwards; it may have been copied. Use another method" },
  ERR_METHOD_NOT_OFFERED: { status: 400, message: 'This method cannot meet what is asked here; choose another' },
  ERR_CONFIRMATION_REQUIRED: { status: 409, message: 'Removing this sign-in method lowers the level you can reach; confirm to go on' },
  ERR_USER_EXISTS: { status: 409, message: 'A user with this username already exists' },
  ERR_USER_NOT_FOUND: { status: 404, message: 'No such user' },
  ERR_CLIENT_EXISTS: { status: 409, message: 'A client with this id already exists' },
  ERR_UNMET_AUTHENTICATION_REQUIREMENTS: { status: 400, message: 'The account cannot meet the requested assurance' },
  ERR_TOKEN_MISSING: { status: 401, message: 'A bearer access token is required' },
  ERR_TOKEN_MALFORMED: { status: 401, message: 'The access token is not a well-formed JWT' },
  ERR_TOKEN_INVALID: { status: 401, message: 'The access token is not valid for this API' },
  ERR_TOKEN_EXPIRED: { status: 401, message: 'The access token has expired' },
  ERR_INSUFFICIENT_USER_AUTHENTICATION: { status: 401, message: 'A different authentication level is required' },
  ERR_ISSUER_UNAVAILABLE: { status: 503, message: 'The token issuer cannot be reached to fetch its keys; try again shortly' },
  ERR_POLICY_INVALID: { status: 400, message: 'The policy is invalid' },
  ERR_API_KEY_MISSING: { status: 401, message: 'An API key is required: Authorization: Bearer <key>' },
  ERR_API_KEY_INVALID: { status: 401, message: 'The API key is unknown or revoked' },
  ERR_API_KEY_EXISTS: { status: 409, message: 'An API key with this name already exists' },
  ERR_API_KEY_NOT_FOUND: { status: 404, message: 'No such API key' },
  ERR_SUBJECT_UNKNOWN: { status: 404, message: 'No user has this subject' },
  ERR_DECISION_TOKEN_INVALID: { status: 400, message: 'The token is not a valid Stepwise token for this subject' },
  ERR_CHALLENGE_NOT_FOUND: { status: 404, message: 'No such challenge' },
  ERR_CHALLENGE_EXPIRED: { status: 410, message: 'This challenge has expired; ask for a new decision' },
  ERR_CHALLENGE_FAILED: { status: 409, message: 'This challenge failed after too many wrong answers; ask for a new decision' },
  ERR_CHALLENGE_SATISFIED: { status: 409, message: 'This challenge is already satisfied; its receipt was issued' },
  ERR_CHALLENGE_WRONG_USER: { status: 403, message: 'This challenge is for another user; sign in as that user' },
  ERR_RETURN_TO_NOT_REGISTERED: { status: 400, message: 'return_to is not registered for this API key' },
  ERR_AUTHORIZATION_DETAILS_INVALID: { status: 400, message: 'The authorization_details are malformed or not allowed here' },
  ERR_TXN_UNBOUND: { status: 401, message: 'This request needs a token approved for its transaction details' },
  ERR_TXN_MISMATCH: { status: 401, message: 'The token was approved for other transaction details (amount, payee or resource changed); approve this transaction' },
  ERR_TXN_REPLAYED: { status: 401, message: 'This approval was already used once; approve the transaction again to repeat it' },
  ERR_TXN_EXPIRED: { status: 401, message: 'The approval of this transaction is too old; approve it again' },
  ERR_DECRYPTION_FAILED: { status: 500, message: 'A stored secret could not be decrypted with the configured keys' },
  ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Base class of every error Stepwise throws on purpose.
 *
 * @example
 * ```ts
 * try { verify() } catch (err) {
 *   if (err instanceof StepwiseError) reply.code(err.status).send(err.toJSON());
 * }
 * ```
 */
export class StepwiseError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CODE_REUSED`. */
  readonly code: ErrorCode;
  /** HTTP status that answers carrying this error use. */
  readonly status: number;
  /** Extra facts safe to show to the caller (field names, limits). */
  readonly details: Readonly<Record<string, unknown>>;

  /**
   * @param code - catalogue code
   * @param message - overrides the catalogue message
   * @param details - extra facts safe to expose
   */
  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
  }

  /** The JSON body HTTP answers use: `{ error, message, ...details }`. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** A field of a request or command failed validation. */
export class ValidationError extends StepwiseError {
  /**
   * @param field - dotted path of the offending field
   * @param reason - what is wrong with it
   */
  constructor(readonly field: string, reason: string) {
    super('ERR_VALIDATION', `${field}: ${reason}`, { field });
  }
}

/** The configuration file or environment has a bad key. */
export class ConfigError extends StepwiseError {
  /**
   * @param key - dotted configuration key, or the environment variable
   * @param reason - why the value is refused
   */
  constructor(readonly key: string, reason: string) {
    super('ERR_CONFIG_INVALID', `configuration ${key}: ${reason}`, { key });
  }
}

/** A level name that the configured level set does not define. */
export class UnknownLevelError extends StepwiseError {
  /** @param level - the unknown name */
  constructor(readonly level: string) {
    super('ERR_UNKNOWN_LEVEL', `unknown assurance level "${level}"`, { level });
  }
}

/** A requirement that cannot be built (bad max_age, unknown method). */
export class InvalidRequirementError extends StepwiseError {
  /** @param reason - what is wrong */
  constructor(reason: string) {
    super('ERR_INVALID_REQUIREMENT', reason);
  }
}

/** Wrong username or password; deliberately says not which. */
export class InvalidCredentialsError extends StepwiseError {
  constructor() {
    super('ERR_INVALID_CREDENTIALS');
  }
}

/** A one-time code that does not verify. */
export class InvalidCodeError extends StepwiseError {
  /** @param attemptsLeft - wrong codes still allowed in this step-up */
  constructor(readonly attemptsLeft?: number) {
    super('ERR_CODE_INVALID', undefined, attemptsLeft === undefined ? {} : { attempts_left: attemptsLeft });
  }
}

/** A one-time code whose time step was already accepted once. */
export class CodeReusedError extends StepwiseError {
  constructor() {
    super('ERR_CODE_REUSED');
  }
}

/** The step-up has had its maximum of wrong codes. */
export class TooManyAttemptsError extends StepwiseError {
  /** @param limit - the per-step-up limit that was reached */
  constructor(readonly limit: number) {
    super('ERR_TOO_MANY_ATTEMPTS', undefined, { limit });
  }
}

/** The account (or the username tried) is locked after repeated failures. */
export class AccountLockedError extends StepwiseError {
  /** @param retryAfterSeconds - seconds until the lock lifts */
  constructor(readonly retryAfterSeconds: number) {
    super('ERR_ACCOUNT_LOCKED', undefined, { retry_after: retryAfterSeconds });
  }
}

/** A change that needs a fresh step-up was attempted without one. */
export class StepUpRequiredError extends StepwiseError {
  /**
   * @param acr - level needed
   * @param maxAge - freshness needed, in seconds
   */
  constructor(readonly acr: string, readonly maxAge: number) {
    super('ERR_STEP_UP_REQUIRED', undefined, { acr_values: acr, max_age: maxAge });
  }
}

/**
 * Any other catalogued failure that needs no extra fields.
 *
 * @example
 * ```ts
 * throw new SimpleError('ERR_USER_NOT_FOUND');
 * ```
 */
export class SimpleError extends StepwiseError {}

/** A malformed request the framework refused (bad JSON, body too large); keeps its 4xx status. */
export class BadRequestError extends StepwiseError {
  override readonly status: number;
  /**
   * @param status - the 4xx status to answer with
   * @param message - what was wrong
   */
  constructor(status: number, message: string) {
    super('ERR_BAD_REQUEST', message);
    this.status = status;
  }
}

/** A policy that cannot be loaded: a bad rule, condition or requirement. */
export class PolicyError extends StepwiseError {
  /**
   * @param path - where in the policy: `rules[2].when`, `default`
   * @param reason - what is wrong
   * @param line - the line in the policy file, when known
   */
  constructor(readonly path: string, readonly reason: string, readonly line?: number) {
    super('ERR_POLICY_INVALID', `policy ${path}: ${reason}${line === undefined ? '' : ` (line ${line})`}`, {
      path,
      ...(line === undefined ? {} : { line }),
    });
  }
}
