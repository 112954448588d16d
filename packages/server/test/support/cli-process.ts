// Runs the built `stepwise` command (packages/cli/dist/src/bin.js) as a child
// process, the way an operator does, with an environment of its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point. */
export const CLI_BIN = fileURLToPath(new URL('../../../../cli/dist/src/bin.js', import.meta.url));

/** What a finished command printed and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `stepwise <args>` to the end.
 *
 * @param args - the arguments
 * @param env - added to a clean environment (PATH only)
 * @param stdin - piped to the command, if given
 */
export function runCli(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', STEPWISE_LOG_LEVEL: 'silent', ...env },
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && code === -1) reject(error);
      else resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/**
 * Starts `stepwise <args>` (such as `serve`) and leaves it running.
 *
 * @param args - the arguments
 * @param env - added to a clean environment (PATH only)
 */
export function spawnCli(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', STEPWISE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
