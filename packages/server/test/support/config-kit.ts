// What the configuration tests share: a folder with an optional
// stepwise.yaml, loading from it, and asserting the ConfigError a bad value
// gets (its key, and a reason that says what was expected).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@stepwise/core';
import { loadConfig } from '../../src/config/load.js';

/** A new temporary folder, with `stepwise.yaml` holding `yaml` when given. */
export function folderWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepwise-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'stepwise.yaml'), yaml);
  return dir;
}

/** Loads the configuration from `yaml` (or no file) and `env`. */
export function load(yaml: string | undefined, env: Record<string, string> = {}) {
  return loadConfig({ cwd: folderWith(yaml), env });
}

/** Asserts that `fn` throws a ConfigError for `key` whose message matches `reason`. */
export function assertConfigError(fn: () => unknown, key: string, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.match(error.message, reason);
    return true;
  });
}
