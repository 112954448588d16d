import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { StepwiseError, ValidationError } from '@stepwise/core';

/**
 * A file given on the command line (test cases, a scenario, recorded
 * events) that cannot be used: the command stops before doing anything
 * and exits with 2. The message names the file, the field and the line.
 */
export class InputFileError extends ValidationError {
  /**
   * @param file - the file as given
   * @param field - where in it: `cases[2].expect.decision`, `line 7`
   * @param reason - what is wrong
   * @param line - the line, when known
   */
  constructor(readonly file: string, field: string, reason: string, readonly line?: number) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field}`, reason);
  }
}

/** A parsed YAML (or JSON) file and a way back from a path in it to its line. */
export interface InputFile {
  readonly path: string;
  readonly value: unknown;
  /** The line of the deepest node of `path` that exists, if any. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Reads a YAML file; syntax errors name their line.
 *
 * @param path - the file
 * @throws {@link InputFileError} when it cannot be read or parsed
 * @example
 * ```ts
 * const file = readYamlFile('cases.yaml');
 * file.lineOf(['cases', 2, 'expect']) // 14
 * ```
 */
export function readYamlFile(path: string): InputFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputFileError(path, '(file)', `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const problem = doc.errors[0];
  if (problem) {
    throw new InputFileError(path, '(syntax)', problem.message.split(/ at line \d+/)[0] ?? problem.message, problem.linePos?.[0].line);
  }
  return {
    path,
    value: doc.toJS() as unknown,
    lineOf(keyPath) {
      for (let depth = keyPath.length; depth >= 0; depth--) {
        const node = doc.getIn(keyPath.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** `cases[2].expect.decision` → `['cases', 2, 'expect', 'decision']`. */
export function fieldPath(field: string): PropertyKey[] {
  return field.split(/\.|\[(\d+)\]/).filter((step) => step !== undefined && step !== '').map((step) => (/^\d+$/.test(step) ? Number(step) : step));
}

/**
 * Runs a reader over a file's content and turns the field it refuses into an
 * {@link InputFileError} that names the file and the line.
 *
 * @param file - the parsed file
 * @param read - checks the content; throws {@link ValidationError} naming a field
 * @param label - a note for a field, such as the case name (`case "large transfer"`)
 * @example
 * ```ts
 * const cases = located(file, readCases);
 * ```
 */
export function located<T>(file: InputFile, read: (value: unknown) => T, label: (path: PropertyKey[]) => string | undefined = () => undefined): T {
  try {
    return read(file.value);
  } catch (error) {
    if (error instanceof InputFileError || !(error instanceof StepwiseError)) throw error;
    const field = error instanceof ValidationError ? error.field : '(content)';
    const reason = error instanceof ValidationError ? error.message.slice(field.length + 2) : error.message;
    const path = fieldPath(field);
    const note = label(path);
    throw new InputFileError(file.path, note === undefined ? field : `${field} (${note})`, reason, file.lineOf(path));
  }
}
