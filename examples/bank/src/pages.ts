import { join } from 'node:path';
import express, { type Router } from 'express';
import { PUBLIC_DIR, sdkDirectory } from './paths.js';

/** What the pages' scripts need to know, served as the `/config.js` module. */
export interface BrowserConfig {
  /** The bank's name, shown in the header and titles. */
  readonly bankName: string;
  readonly issuer: string;
  readonly clientId: string;
  /** The bank's origin; the redirect URI is `<origin>/callback`. */
  readonly origin: string;
  /** The resource indicator (audience) of the bank's API. */
  readonly resource: string;
}

const PAGES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/account': 'account.html',
  '/callback': 'callback.html',
};

/**
 * The web front end: three static pages, their assets, the browser
 * configuration as an ES module (no inline script is needed), and the
 * client SDK's compiled modules under `/sdk/`.
 *
 * @param config - what the browser code needs
 * @example
 * ```ts
 * app.use(createPagesRouter({ bankName: 'Stepwise Bank', issuer, clientId: 'demo-app', origin, resource: `${origin}/api` }));
 * ```
 */
export function createPagesRouter(config: BrowserConfig): Router {
  const router = express.Router();
  const configModule = `export default Object.freeze(${JSON.stringify(config)});\n`;

  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, (_req, res) => {
      res.set('cache-control', 'no-cache');
      res.sendFile(join(PUBLIC_DIR, file));
    });
  }
  router.get('/config.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'no-cache').send(configModule);
  });
  router.use('/assets', express.static(join(PUBLIC_DIR, 'assets'), { index: false, fallthrough: false, maxAge: 0 }));
  router.use('/sdk', express.static(sdkDirectory(), { index: false, fallthrough: false, maxAge: 0 }));
  return router;
}
