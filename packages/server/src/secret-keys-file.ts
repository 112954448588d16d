import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepwiseConfig } from './config/schema.js';
import { formatSecretKeys, generateSecretKey, parseSecretKeys, type SecretKey } from './crypto/secret-box.js';

/** Name of the generated key file inside the data folder. */
export const SECRET_KEYS_FILE = 'secret-keys';

/**
 * The keys that encrypt secrets at rest: the configured ones, else the ones
 * in `data_dir/secret-keys`, created (mode 0600) on first start so the quick
 * start needs no set-up. Production deployments set `STEPWISE_SECRET_KEYS`
 * from a secret store instead, so keys and database are never backed up
 * together.
 *
 * @param config - the configuration
 * @returns the keys, current first, and whether a new file was written
 */
export function resolveSecretKeys(config: StepwiseConfig): { keys: SecretKey[]; created: boolean } {
  if (config.secretKeys) return { keys: config.secretKeys, created: false };
  const file = join(config.dataDir, SECRET_KEYS_FILE);
  if (existsSync(file)) return { keys: parseSecretKeys(readFileSync(file, 'utf8').trim()), created: false };
  mkdirSync(config.dataDir, { recursive: true });
  const keys = [generateSecretKey()];
  writeFileSync(file, `${formatSecretKeys(keys)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { keys, created: true };
}
