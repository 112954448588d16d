// What the CLI tests share: captured output, a throwaway data folder and
// environment, temporary input files, and the examples under examples/policy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Output } from '../../src/index.js';

/** Output kept in memory. */
export interface CapturedOutput extends Output {
  readonly lines: string[];
  readonly errors: string[];
  /** Everything printed to stdout, one string. */
  text(): string;
}

/** Captures what a command prints. */
export function capture(): CapturedOutput {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line), text: () => lines.join('\n') };
}

/** A file of examples/policy, the documentation's examples. */
export function example(name: string): string {
  return new URL(`../../../../../examples/policy/${name}`, import.meta.url).pathname;
}

/** A data folder and a clean environment for one test file; `restore` undoes both. */
export function isolate(): { dir: string; file(name: string, content: string): string; restore(): void } {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'stepwise-cli-'));
  process.env.STEPWISE_DATA_DIR = dir;
  process.env.STEPWISE_LOG_LEVEL = 'silent';
  delete process.env.STEPWISE_CONFIG;
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    restore() {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
