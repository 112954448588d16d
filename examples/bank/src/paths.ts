import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bank's static pages and assets: `examples/bank/public/`, found from
 * the compiled module (`dist/src/`), so the source folder is served as is
 * and nothing needs copying at build time.
 */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/**
 * The folder of the compiled `@stepwise/client` modules, served to the
 * browser under `/sdk/`. The client has no dependencies, so its `dist/src`
 * runs in the browser as native ES modules.
 *
 * @example
 * ```ts
 * sdkDirectory(); // '/…/packages/client/dist/src'
 * ```
 */
export function sdkDirectory(): string {
  return dirname(fileURLToPath(import.meta.resolve('@stepwise/client')));
}
