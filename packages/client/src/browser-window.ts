import { StepwiseClientError } from './errors.js';

/**
 * The browser `window`, looked up only when used so that the SDK's modules
 * load in Node, where only the browser client's navigation needs a window.
 *
 * @throws StepwiseClientError `ERR_CLIENT_BROWSER_REQUIRED` outside a browser
 * @example
 * ```ts
 * browserWindow().location.assign(url);
 * ```
 */
export function browserWindow(): Window {
  const candidate = (globalThis as { window?: Window }).window;
  if (candidate === undefined) throw new StepwiseClientError('ERR_CLIENT_BROWSER_REQUIRED');
  return candidate;
}
