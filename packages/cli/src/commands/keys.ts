import {
  epochSeconds,
  loadSigningKeys,
  resolveSecretKeys,
  rotateSigningKey,
  SecretBox,
  signingKeyGrace,
  type Database,
  type StepwiseConfig,
} from '@stepwise/server';
import { UsageError, type Output } from '../output.js';

/**
 * `stepwise keys rotate|list`. Rotation adds a signing key that signs from
 * the next server start; the previous key stays in the JWKS until every
 * token it signed has expired.
 *
 * @param config - the configuration
 * @param database - the open database
 * @param args - sub-command
 * @param output - where to print
 */
export async function keysCommand(config: StepwiseConfig, database: Database, args: string[], output: Output): Promise<void> {
  const box = new SecretBox(resolveSecretKeys(config).keys);
  const grace = signingKeyGrace(config);
  switch (args[0]) {
    case 'rotate': {
      const { kid, retired } = await rotateSigningKey(database.db, box, epochSeconds());
      output.out(`new signing key ${kid}`);
      for (const old of retired) output.out(`retired ${old}: still published for ${grace} s so its tokens keep verifying`);
      output.out('restart the server (every node) to sign with the new key');
      return;
    }
    case 'list': {
      for (const key of await loadSigningKeys(database.db, box, epochSeconds(), grace)) {
        const state = key.active ? 'active' : `retired, published until ${new Date((key.retiredAt! + grace) * 1000).toISOString()}`;
        output.out(`${key.kid}\t${state}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown keys action "${args[0] ?? ''}"`);
  }
}
