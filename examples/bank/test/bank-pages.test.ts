// The bank's web surface without a browser: every page under a strict CSP
// with no inline script to need an exception, the client SDK and the
// browser configuration served as ES modules, and no way out of the
// public folders.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBank, type RunningBank } from '../src/index.js';
import { PUBLIC_DIR } from '../src/paths.js';
import { freePort } from './support/free-port.js';

const ISSUER = 'http://localhost:3999';

describe('Stepwise Bank pages', () => {
  let bank: RunningBank;
  const get = (path: string) => fetch(`${bank.url}${path}`);

  before(async () => {
    // A trailing slash on the issuer is tolerated.
    bank = await startBank({ port: 0, host: '127.0.0.1', issuer: `${ISSUER}/` });
  });
  after(async () => bank?.close());

  test('pages, their security headers and the strict CSP', async () => {
    for (const path of ['/', '/account', '/callback']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, new RegExp(`connect-src 'self' ${ISSUER}(;|$)`));
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-powered-by'), null);
      assert.match(await response.text(), /Stepwise Bank/);
    }
  });

  test('no page has an inline script, event handler or style', () => {
    for (const file of readdirSync(PUBLIC_DIR).filter((name) => name.endsWith('.html'))) {
      const html = readFileSync(join(PUBLIC_DIR, file), 'utf8');
      for (const script of html.matchAll(/<script\b[^>]*>/g)) assert.match(script[0], /\ssrc="\/[^"]+"/, `${file}: ${script[0]}`);
      assert.doesNotMatch(html, /\son[a-z]+=/i, `${file} has an inline event handler`);
      assert.doesNotMatch(html, /\sstyle=/i, `${file} has an inline style`);
    }
  });

  test('the browser configuration and the client SDK are ES modules', async () => {
    const config = await get('/config.js');
    assert.match(config.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.deepEqual(configIn(await config.text()), {
      bankName: 'Stepwise Bank',
      issuer: ISSUER,
      clientId: 'demo-app',
      origin: bank.url,
      resource: `${bank.url}/api`,
    });
    const sdk = await get('/sdk/index.js');
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
    assert.match(await sdk.text(), /createBrowserClient/);
    assert.match(await (await get('/assets/app.js')).text(), /from '\/sdk\/index\.js'/);
  });

  test('nothing outside the public folders is served, and errors show no internals', async () => {
    const paths = ['/assets/../../src/bank.ts', '/assets/%2e%2e/%2e%2e/package.json', '/sdk/..%2f..%2fpackage.json', '/assets/%00', '/assets/missing.js', '/nowhere'];
    for (const path of paths) {
      const { status, body } = await rawGet(bank.url, path);
      assert.ok(status === 403 || status === 404 || status === 400, `${path}: ${status}`);
      assert.doesNotMatch(body, /at [\w.]+ \(|node_modules|\/work\/|Error/, `${path} leaks internals`);
    }
  });

  test('a public URL other than the listening address (localhost over 127.0.0.1) is what the pages use', async () => {
    const port = await freePort();
    const proxied = await startBank({ port, host: '127.0.0.1', issuer: ISSUER, publicUrl: `http://localhost:${port}/` });
    try {
      assert.equal(proxied.url, `http://localhost:${port}`);
      const config = configIn(await (await fetch(`http://127.0.0.1:${port}/config.js`)).text());
      assert.equal(config.origin, `http://localhost:${port}`);
      assert.equal(config.resource, `http://localhost:${port}/api`);
    } finally {
      await proxied.close();
    }
  });
});

/** A GET with the path sent as written: fetch would resolve `..` and `%2e%2e` before sending. */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

function configIn(module: string): Record<string, string> {
  return JSON.parse(/Object\.freeze\((.*)\);/.exec(module)?.[1] ?? 'null') as Record<string, string>;
}
