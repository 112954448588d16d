// The README's CLI reference promises to be the help text: every line of
// USAGE appears in it, so a new command cannot go undocumented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { USAGE } from '../src/main.js';

test('README.md carries the CLI help text, line for line', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  for (const line of USAGE.split('\n')) assert.ok(readme.includes(line), `README.md lacks the help line: ${line}`);
});
