import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const ASSETS = new URL('../../../assets/', import.meta.url);

// The UMD bundle of @simplewebauthn/browser, served from our origin so that
// the pages' Content-Security-Policy can stay at script-src 'self'.
function simpleWebAuthnBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  let dir = dirname(entry);
  while (!dir.endsWith('browser')) dir = dirname(dir);
  return readFileSync(join(dir, 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/**
 * Serves the stylesheet and the WebAuthn scripts, read once at start-up.
 *
 * @param app - the Fastify instance
 */
export function registerAssets(app: FastifyInstance): void {
  const files: ReadonlyArray<[string, string, string]> = [
    ['/assets/stepwise.css', 'text/css; charset=utf-8', readFileSync(new URL('stepwise.css', ASSETS), 'utf8')],
    ['/assets/admin.css', 'text/css; charset=utf-8', readFileSync(new URL('admin.css', ASSETS), 'utf8')],
    ['/assets/webauthn.js', 'text/javascript; charset=utf-8', readFileSync(new URL('webauthn.js', ASSETS), 'utf8')],
    ['/assets/simplewebauthn-browser.js', 'text/javascript; charset=utf-8', simpleWebAuthnBundle()],
  ];
  for (const [path, type, body] of files) {
    app.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=3600').send(body));
  }
}
