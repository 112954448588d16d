#!/usr/bin/env node
// Runs every compiled test file with node:test. Files are listed explicitly
// because Node 20's --test does not expand globs.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages', 'examples'].filter((dir) => {
  try { return statSync(dir).isDirectory(); } catch { return false; }
});
const files = [];
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.js') && path.includes(`dist${'/'}test`)) files.push(path);
  }
}
for (const root of roots) walk(root);
const filter = process.argv[2];
const selected = filter ? files.filter((file) => file.includes(filter)) : files;
if (selected.length === 0) {
  console.error(`no test files found${filter ? ` matching "${filter}"` : ''}; run "npm run build" first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
