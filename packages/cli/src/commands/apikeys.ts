import { apiKeys, epochSeconds, type Database } from '@stepwise/server';
import { ValidationError } from '@stepwise/core';
import { UsageError, type Output } from '../output.js';
import { checkCallbackUrl } from './callback-url.js';

/** Options of `stepwise apikeys`. */
export interface ApiKeysOptions {
  /** `--return-to`, repeatable: where the hosted challenge page may send users back to. */
  readonly returnTo: readonly string[];
}

function time(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * `stepwise apikeys create|list|revoke`: keys of the decision API. A new
 * key is printed once; only its hash is stored.
 *
 * @param database - the open database
 * @param args - sub-command and key name
 * @param options - flags
 * @param output - where to print
 * @example
 * ```ts
 * await apiKeysCommand(database, ['create', 'bank-backend'], { returnTo: ['https://bank.example/stepped-up'] }, output);
 * ```
 */
export async function apiKeysCommand(database: Database, args: string[], options: ApiKeysOptions, output: Output): Promise<void> {
  const [action, name] = args;
  switch (action) {
    case 'create': {
      if (!name) throw new UsageError('apikeys create needs a name');
      if (!/^[A-Za-z0-9._~-]{1,64}$/.test(name)) throw new ValidationError('name', 'use letters, digits and . _ ~ - only (at most 64)');
      const returnTo = options.returnTo.map((uri) => checkCallbackUrl('return-to', uri));
      const created = await apiKeys.createApiKey(database.db, { name, returnTo }, epochSeconds());
      output.out(`created API key ${created.name} (id ${created.id})`);
      output.out(`key: ${created.key}   (shown once; store it in the calling backend's secrets)`);
      for (const uri of created.returnTo) output.out(`return_to: ${uri}`);
      return;
    }
    case 'list': {
      const all = await apiKeys.listApiKeys(database.db);
      if (all.length === 0) output.out('no API keys');
      else output.out('name\tid\tcreated\tlast used\trevoked');
      for (const key of all) {
        output.out(`${key.name}\t${key.id}\t${time(key.createdAt)}\t${time(key.lastUsedAt)}\t${time(key.revokedAt)}`);
      }
      return;
    }
    case 'revoke': {
      if (!name) throw new UsageError('apikeys revoke needs a name');
      await apiKeys.revokeApiKey(database.db, name, epochSeconds());
      output.out(`revoked API key ${name}`);
      return;
    }
    default:
      throw new UsageError(`unknown apikeys action "${action ?? ''}"`);
  }
}
