/** Where command output goes; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Writes to the process's stdout and stderr. */
export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A wrong command line: exit code 2 with the usage text. */
export class UsageError extends Error {}
