import { MIGRATIONS, type Database } from '@stepwise/server';
import type { Output } from '../output.js';

/** The database URL without its password, for output. */
function shownUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

/**
 * `stepwise migrate`: brings the schema at `STEPWISE_DATABASE_URL` up to
 * date and exits, without serving; run it before rolling out a version to
 * several nodes. Opening the database (done by the caller) runs the
 * migrations, under Kysely's lock, so it is safe beside running nodes.
 *
 * @param database - the database, already opened (and so migrated)
 * @param url - its URL, shown without the password
 * @param output - where to print
 * @example
 * ```ts
 * migrateCommand(await openDatabase(config.databaseUrl), config.databaseUrl, processOutput);
 * ```
 */
export function migrateCommand(database: Database, url: string, output: Output): void {
  const names = Object.keys(MIGRATIONS).sort();
  output.out(`${shownUrl(url)} (${database.dialect}): schema up to date, ${names.length} migrations, latest ${names.at(-1) ?? 'none'}`);
}
