import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

describe('the package as shipped to browsers', () => {
  test('index.js imports in Node and constructs nothing browser-only', async () => {
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
    const sdk = await import('../src/index.js');
    for (const name of ['parseWwwAuthenticate', 'findChallenge', 'isScheme', 'readStepUpChallenge', 'readBearerError',
      'createStepUpFetch', 'createPkcePair', 'randomToken', 'discoverProvider', 'createBrowserClient']) {
      assert.equal(typeof sdk[name as keyof typeof sdk], 'function', name);
    }
    assert.equal(typeof sdk.StepwiseBrowserClient, 'function');
    assert.equal(new sdk.StepwiseClientError('ERR_CLIENT_POPUP_BLOCKED').code, 'ERR_CLIENT_POPUP_BLOCKED');
  });

  test('every error code has a message', async () => {
    const { CLIENT_ERROR_CATALOGUE, StepwiseClientError } = await import('../src/index.js');
    for (const code of Object.keys(CLIENT_ERROR_CATALOGUE) as Array<keyof typeof CLIENT_ERROR_CATALOGUE>) {
      assert.match(code, /^ERR_CLIENT_[A-Z_]+$/);
      const error = new StepwiseClientError(code);
      assert.equal(error.message, CLIENT_ERROR_CATALOGUE[code]);
      assert.equal(error.name, 'StepwiseClientError');
    }
  });

  test('the compiled modules import only relative .js paths (no packages, no node:)', () => {
    const directory = fileURLToPath(new URL('../src/', import.meta.url));
    const files = readdirSync(directory).filter((file) => file.endsWith('.js'));
    assert.ok(files.length > 5);
    for (const file of files) {
      // Comments hold TSDoc examples such as `import … from '/sdk/index.js'`.
      const source = readFileSync(directory + file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const specifiers = [...source.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)]
        .map((match) => match[1] ?? match[2]);
      for (const specifier of specifiers) assert.match(specifier ?? '', /^\.\.?\/[\w./-]+\.js$/, `${file} imports ${specifier}`);
      assert.equal(/\brequire\(|\bprocess\.|\bBuffer\b/.test(source), false, `${file} uses a Node global`);
    }
  });
});
