import { StepwiseError } from '../errors.js';

/** Authorization details (RFC 9396) that are malformed or not allowed here. */
export class AuthorizationDetailsError extends StepwiseError {
  /** Dotted path from `authorization_details`, e.g. `authorization_details[0].instructedAmount.amount`. */
  readonly field: string;

  /**
   * @param path - path inside the details: `[0].instructedAmount.amount`, or empty for the whole array
   * @param reason - what is wrong with it
   */
  constructor(path: string, readonly reason: string) {
    const field = `authorization_details${path === '' || path.startsWith('[') ? '' : '.'}${path}`;
    super('ERR_AUTHORIZATION_DETAILS_INVALID', `${field}: ${reason}`, { field });
    this.field = field;
  }
}
