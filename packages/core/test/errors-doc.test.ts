// docs/errors.md promises to mirror the catalogue: every code with its status
// and message in the table, and a paragraph saying when it happens.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CATALOGUE } from '../src/errors.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists every catalogued code with its status and message', () => {
  for (const [code, { status, message }] of Object.entries(ERROR_CATALOGUE)) {
    assert.ok(doc.includes(`| \`${code}\` | ${status} | ${message} |`), `docs/errors.md table lacks ${code} (${status}, "${message}")`);
    assert.ok(doc.includes(`**\`${code}\`** (`), `docs/errors.md does not say when ${code} happens`);
  }
});

test('docs/errors.md names no code the catalogue lacks', () => {
  const documented = new Set(doc.match(/ERR_[A-Z_]+/g));
  for (const code of documented) assert.ok(code in ERROR_CATALOGUE, `docs/errors.md mentions unknown ${code}`);
});
