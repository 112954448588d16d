import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { StepwiseError, type CompiledPolicy, type LevelSet } from '@stepwise/core';
import type { Logger } from 'pino';
import { readPolicyFile } from '../config/policy-load.js';

/** The policy in force, replaced when its file changes and the new one is valid. */
export interface PolicyHolder {
  /** The policy in force now. */
  current(): CompiledPolicy;
  /**
   * Reads the file again. A valid policy replaces the current one; a bad
   * one is refused (its error names the line) and the current one stays.
   *
   * @returns the error when the file was refused
   */
  reload(): StepwiseError | undefined;
  /** Stops watching the file. */
  close(): void;
}

/** One reload of the policy file: taken, with its rules' names, or refused, with the error's code. */
export type PolicyReload =
  | { readonly ok: true; readonly file: string; readonly rules: readonly string[] }
  | { readonly ok: false; readonly file: string; readonly code: string };

/** A change is read this long after the last write, so an editor's several writes count once. */
const SETTLE_MS = 100;

/**
 * Holds the policy loaded at start-up and, when there is a configuration
 * file, watches it and reloads the policy on every change.
 *
 * @param initial - the policy loaded at start-up
 * @param file - the configuration file, or `null`
 * @param levels - the levels in force
 * @param logger - reloads and refusals are logged
 * @param onReload - told of each reload: taken (with the new rules' names) or refused (with its code); the audit log
 * @example
 * ```ts
 * const policies = holdPolicy(config.policy, config.configFile, services.levels, logger);
 * evaluatePolicy(policies.current(), input);
 * ```
 */
export function holdPolicy(
  initial: CompiledPolicy,
  file: string | null,
  levels: LevelSet,
  logger: Logger,
  onReload: (outcome: PolicyReload) => void = () => {},
): PolicyHolder {
  let policy = initial;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const holder: PolicyHolder = {
    current: () => policy,
    reload() {
      if (file === null) return undefined;
      try {
        policy = readPolicyFile(file, levels);
        logger.info({ file, rules: policy.rules.length }, 'policy reloaded');
        onReload({ ok: true, file, rules: policy.rules.map((rule) => rule.name) });
        return undefined;
      } catch (error) {
        if (!(error instanceof StepwiseError)) throw error;
        logger.error({ file, code: error.code, err: error.message }, 'policy refused; the previous policy stays in force');
        onReload({ ok: false, file, code: error.code });
        return error;
      }
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
  if (file !== null) {
    try {
      // The folder, not the file: editors often save by replacing the file.
      watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(file)) return;
        clearTimeout(timer);
        timer = setTimeout(() => holder.reload(), SETTLE_MS);
      });
      watcher.on('error', (error) => logger.warn({ file, err: error.message }, 'the policy file can no longer be watched'));
    } catch (error) {
      logger.warn({ file, err: (error as Error).message }, 'the policy file cannot be watched; restart to change the policy');
    }
  }
  return holder;
}
