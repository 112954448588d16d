import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '@stepwise/core';
import { describeValue } from './schema.js';

/** A YAML mapping as read. */
export type RawObject = Record<string, unknown>;

/** A configuration file as read: its path, its values and the line of any key. */
export interface FileLayer {
  path: string;
  values: RawObject;
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Whether a value is a mapping (not null, not a list).
 *
 * @param value - any value
 */
export function isMapping(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a YAML configuration file, keeping where each key is.
 *
 * @param path - the file
 * @throws {@link ConfigError} for an unreadable file, YAML syntax (with its line) or a top level that is not a mapping
 * @example
 * ```ts
 * const file = readFile('/srv/stepwise.yaml');
 * file.lineOf(['policy', 'rules', 0, 'when']); // 7
 * ```
 */
export function readFile(path: string): FileLayer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter });
  const problem = doc.errors[0];
  if (problem) {
    // The yaml package appends " at line N, column M:" and a code excerpt.
    const message = problem.message.split(/ at line \d+/)[0] ?? problem.message;
    throw new ConfigError(path, `line ${problem.linePos?.[0].line ?? '?'}: ${message}`);
  }
  const values: unknown = doc.toJS() ?? {};
  if (!isMapping(values)) throw new ConfigError(path, `must be a mapping of settings, got ${describeValue(values)}`);
  return {
    path,
    values,
    lineOf(keyPath) {
      const node = doc.getIn(keyPath as unknown[], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    },
  };
}
