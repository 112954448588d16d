import {
  epochSeconds,
  loadSigningKeys,
  resolveSecretKeys,
  rotateSigningKey,
  SecretBox,
  signingKeyGrace,
  type Database,
  type LoadedSigningKey,
  type StepwiseConfig,
} from '@stepwise/server';
import { UsageError, type Output } from '../output.js';

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function describeKey(key: LoadedSigningKey): string {
  switch (key.state) {
    case 'active':
      return key.retiredAt === null ? 'active' : `active, retires ${iso(key.retiredAt)}`;
    case 'pending':
      return `published, signs from ${iso(key.activatesAt)}`;
    case 'retired':
      return `retired, published until at least ${iso(key.publishedUntil!)} (later while a node still signs with it)`;
  }
}

/**
 * `stepwise keys rotate|list`. Rotation adds a signing key that every node
 * publishes at its next reload (within two minutes) and signs with from its
 * activation; the previous key stays in the JWKS until the last node has
 * stopped signing with it and every token it signed has expired. No
 * restart is needed.
 *
 * @param config - the configuration
 * @param database - the open database
 * @param args - sub-command
 * @param output - where to print
 * @example
 * ```ts
 * await keysCommand(config, database, ['rotate'], processOutput);
 * ```
 */
export async function keysCommand(config: StepwiseConfig, database: Database, args: string[], output: Output): Promise<void> {
  const box = new SecretBox(resolveSecretKeys(config).keys);
  const grace = signingKeyGrace(config);
  switch (args[0]) {
    case 'rotate': {
      const { kid, activatesAt, retired } = await rotateSigningKey(database.db, box, epochSeconds());
      output.out(`new signing key ${kid}: published by every node within two minutes, signs from ${iso(activatesAt)}`);
      for (const old of retired) {
        output.out(`retiring ${old} at ${iso(activatesAt)}: still published for ${grace} s after the last node stops signing with it`);
      }
      output.out('no restart is needed: every node reloads its keys every minute');
      return;
    }
    case 'list': {
      // A listing reports no signing and deletes nothing (it creates the first key, as a node would).
      for (const key of await loadSigningKeys(database.db, box, epochSeconds(), grace, { readOnly: true })) {
        output.out(`${key.kid}\t${describeKey(key)}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown keys action "${args[0] ?? ''}"`);
  }
}
