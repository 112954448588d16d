import { epochSeconds, loadSigningKeys, MIGRATIONS, resolveSecretKeys, SecretBox, signingKeyGrace, type Database, type StepwiseConfig } from '@stepwise/server';
import type { Output } from '../output.js';

/** The database URL without its password, for output. */
function shownUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

/**
 * `stepwise migrate`: brings the schema at `STEPWISE_DATABASE_URL` up to
 * date and exits, without serving; run it before rolling out a version to
 * several nodes. Opening the database (done by the caller) runs the
 * migrations, under Kysely's lock, so it is safe beside running nodes. It
 * also creates the first signing key of a new database, so that nodes
 * started together afterwards all find the same one instead of each
 * creating its own.
 *
 * @param config - the configuration (secret keys, token lifetimes)
 * @param database - the database, already opened (and so migrated)
 * @param output - where to print
 * @example
 * ```ts
 * await migrateCommand(config, await openDatabase(config.databaseUrl), processOutput);
 * ```
 */
export async function migrateCommand(config: StepwiseConfig, database: Database, output: Output): Promise<void> {
  const names = Object.keys(MIGRATIONS).sort();
  output.out(`${shownUrl(config.databaseUrl)} (${database.dialect}): schema up to date, ${names.length} migrations, latest ${names.at(-1) ?? 'none'}`);
  const box = new SecretBox(resolveSecretKeys(config).keys);
  const keys = await loadSigningKeys(database.db, box, epochSeconds(), signingKeyGrace(config), { readOnly: true });
  const active = keys.find((key) => key.active);
  if (active) output.out(`signing key ${active.kid} in force`);
}
