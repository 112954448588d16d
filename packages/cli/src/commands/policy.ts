import { LevelSet, PolicyError, StepwiseError, type CompiledPolicy } from '@stepwise/core';
import { epochSeconds, readPolicyFile, type StepwiseConfig } from '@stepwise/server';
import { UsageError, type Output } from '../output.js';
import { InputFileError } from './input-file.js';
import { policyDiff } from './policy-diff.js';
import { policyTest } from './policy-test.js';

/** Options of `stepwise policy`. */
export interface PolicyOptions {
  /** `--policy FILE`: a stepwise.yaml-shaped file whose `policy:` is used instead of the configuration's. */
  readonly policy?: string | undefined;
  /** `--events FILE`: recorded decisions for `policy diff`. */
  readonly events?: string | undefined;
}

/**
 * The `policy:` section of a file named on the command line, with the
 * configured levels. A bad policy is a bad input file (exit 2).
 *
 * @param file - a stepwise.yaml-shaped file
 * @param config - the configuration, for its levels
 * @throws {@link InputFileError}
 * @example
 * ```ts
 * const policy = policyFromFile('new.yaml', config);
 * ```
 */
export function policyFromFile(file: string, config: StepwiseConfig): CompiledPolicy {
  try {
    return readPolicyFile(file, new LevelSet(config.levels));
  } catch (error) {
    if (error instanceof PolicyError) throw new InputFileError(file, `policy.${error.path}`, error.reason, error.line);
    if (error instanceof StepwiseError) throw new InputFileError(file, '(file)', error.message.replace(/^configuration [^:]+: /, ''));
    throw error;
  }
}

/**
 * `stepwise policy test|diff`.
 *
 * @param config - the configuration (its policy and levels)
 * @param args - sub-command and files
 * @param options - flags
 * @param output - where to print
 * @returns the exit code: 0, or 1 when a test case fails
 * @throws {@link InputFileError} (exit 2) for a malformed file
 * @example
 * ```ts
 * process.exitCode = policyCommand(config, ['test', 'cases.yaml'], {}, output);
 * ```
 */
export function policyCommand(config: StepwiseConfig, args: string[], options: PolicyOptions, output: Output): number {
  const [action, ...files] = args;
  switch (action) {
    case 'test': {
      if (files.length !== 1) throw new UsageError('policy test needs one cases file');
      const policy = options.policy === undefined ? config.policy : policyFromFile(options.policy, config);
      return policyTest(policy, files[0]!, output, epochSeconds());
    }
    case 'diff': {
      if (files.length !== 2) throw new UsageError('policy diff needs the old and the new policy file');
      if (options.events === undefined) throw new UsageError('policy diff needs --events FILE (recorded decisions, NDJSON)');
      policyDiff(policyFromFile(files[0]!, config), policyFromFile(files[1]!, config), options.events, output);
      return 0;
    }
    default:
      throw new UsageError(`unknown policy action "${action ?? ''}"`);
  }
}
