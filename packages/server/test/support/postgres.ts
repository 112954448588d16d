// Starts a throwaway PostgreSQL server from Debian's packaged binaries
// (/usr/lib/postgresql/<version>/bin) in a temporary folder, on a free
// loopback port with trust authentication, for tests that need a real one.
// PostgreSQL refuses to run as root, so under root the folder is handed to the
// `postgres` system user (created by the Debian package) and every command runs
// through `runuser -u postgres --`.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/index.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 20_000;

/** What to do when no PostgreSQL server binaries are installed. */
export const POSTGRES_INSTALL_HINT =
  'PostgreSQL server binaries not found (looked for /usr/lib/postgresql/*/bin/initdb and pg_ctl): ' +
  'install it with `apt-get update && apt-get install -y postgresql` ' +
  '(or set STEPWISE_TEST_POSTGRES_URL to an existing server)';

/** A running temporary PostgreSQL server. */
export interface TemporaryPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/DBNAME`, a fresh database owned by the superuser. */
  readonly url: string;
  /** Stops the server (fast shutdown) and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** The bin folder of the newest installed PostgreSQL that has both initdb and pg_ctl. */
function findBinDir(): string {
  let versions: string[] = [];
  try {
    versions = readdirSync(POSTGRES_ROOT);
  } catch {
    // No PostgreSQL at all.
  }
  const newestFirst = versions
    .filter((v) => /^\d+(\.\d+)*$/.test(v))
    .sort((a, b) => {
      const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (y[i] ?? 0) - (x[i] ?? 0);
        if (d !== 0) return d;
      }
      return 0;
    });
  for (const version of newestFirst) {
    const bin = join(POSTGRES_ROOT, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(POSTGRES_INSTALL_HINT);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The uid and gid of the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'running as root, and PostgreSQL refuses root, but there is no `postgres` user to run it as: ' +
        'reinstall it with `apt-get update && apt-get install -y postgresql`',
    );
  }
}

/** A command line, run as `postgres` when we are root. */
function asServerUser(file: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/** A fresh folder the server user owns and can reach. */
function makeServerDir(): string {
  const bases = isRoot() ? [...new Set([tmpdir(), '/tmp'])] : [tmpdir()];
  for (const base of bases) {
    const dir = mkdtempSync(join(base, 'stepwise-pg-'));
    if (!isRoot()) return dir;
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    try {
      // The parent folders must let `postgres` through, which /root/... does not.
      execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir, '-a', '-x', dir], { stdio: 'ignore' });
      return dir;
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`the postgres user cannot reach a temporary folder under ${bases.join(' or ')}`);
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

function describeFailure(err: unknown): string {
  const e = err as { message?: string; stderr?: string };
  return [e.message ?? String(err), e.stderr?.trim()].filter(Boolean).join('\n');
}

/** Retries a connection until the server accepts it, for at most {@link READY_TIMEOUT_MS}. */
async function waitUntilReady(connectionString: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${describeFailure(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * Starts a temporary PostgreSQL server on a free loopback port and creates a
 * database in it. Throws, saying what to install, when PostgreSQL is missing.
 */
export async function startTemporaryPostgres(): Promise<TemporaryPostgres> {
  const bin = findBinDir();
  const initdb = join(bin, 'initdb');
  const pgCtl = join(bin, 'pg_ctl');
  const dir = makeServerDir();
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // Child processes start in the folder so `postgres` never lacks access to its cwd.
  const exec = (file: string, args: string[]) => {
    const [command, argv] = asServerUser(file, args);
    return run(command, argv, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  };

  let running = false;
  let stopped = false;
  const stopSync = () => {
    // Last resort when the process exits without calling stop(): never leave a server behind.
    if (stopped) return;
    stopped = true;
    if (running) {
      const [command, argv] = asServerUser(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      try { execFileSync(command, argv, { cwd: dir, stdio: 'ignore', timeout: 20_000 }); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopSync();
    process.kill(process.pid, signal);
  };
  const unhook = () => {
    process.off('exit', stopSync);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', stopSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unhook();
    try {
      if (running) await exec(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running = false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    try {
      await exec(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    } catch (err) {
      throw new Error(`initdb failed: ${describeFailure(err)}`);
    }

    // Another process may grab the free port before the server binds it: try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
      try {
        running = true;
        await exec(pgCtl, ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', String(READY_TIMEOUT_MS / 1000), 'start']);
        break;
      } catch (err) {
        const [command, argv] = asServerUser(pgCtl, ['-D', dataDir, 'status']);
        running = await run(command, argv, { cwd: dir }).then(() => true, () => false);
        if (running || attempt >= 3) {
          throw new Error(`pg_ctl start failed: ${describeFailure(err)}\n--- server log ---\n${logTail(logFile)}`);
        }
      }
    }

    const server = `postgres://postgres@127.0.0.1:${port}`;
    await waitUntilReady(`${server}/postgres`);
    const database = 'stepwise_test';
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    try {
      await admin.query(`create database ${database}`);
    } finally {
      await admin.end();
    }
    return { url: `${server}/${database}`, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** A schema of its own on a PostgreSQL server, for one test database. */
export interface TestSchema {
  readonly name: string;
  /** The server URL with `options=-c search_path=<name>`: every connection opened with it lands in the schema. */
  readonly url: string;
  /** Drops the schema and everything in it. Safe to call twice. */
  drop(): Promise<void>;
}

async function runAdminQuery(serverUrl: string, query: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/**
 * The URL of an existing schema on a server: what a second node, or a
 * restarted one, opens to find the first one's data.
 *
 * @param serverUrl - the PostgreSQL server and database
 * @param name - the schema
 */
export function schemaUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

/**
 * Creates a fresh, uniquely named schema on a PostgreSQL server.
 *
 * @param serverUrl - the PostgreSQL server and database, such as {@link TemporaryPostgres.url}
 * @example
 * ```ts
 * const schema = await createTestSchema(process.env.STEPWISE_TEST_POSTGRES_URL!);
 * const database = await openDatabase(schema.url);
 * ```
 */
export async function createTestSchema(serverUrl: string): Promise<TestSchema> {
  const name = `stepwise_test_${randomUUID().replaceAll('-', '')}`;
  await runAdminQuery(serverUrl, `create schema ${name}`);
  return dropperFor(serverUrl, name);
}

/**
 * A handle on a schema {@link createTestSchema} made, known by its URL, so
 * whoever holds the URL can drop it.
 *
 * @param url - a {@link TestSchema.url}
 */
export function testSchemaAt(url: string): TestSchema {
  const parsed = new URL(url);
  const name = /search_path=(\w+)/.exec(parsed.searchParams.get('options') ?? '')?.[1];
  if (!name) throw new Error(`not a test schema URL: ${url}`);
  parsed.searchParams.delete('options');
  return dropperFor(parsed.toString(), name);
}

function dropperFor(serverUrl: string, name: string): TestSchema {
  return {
    name,
    url: schemaUrl(serverUrl, name),
    drop: () => runAdminQuery(serverUrl, `drop schema if exists ${name} cascade`),
  };
}

/** A PostgreSQL server for the tests of one describe block, from {@link postgresForBlock}. */
export interface BlockPostgres {
  /** The server and database URL; known once the block's `before` hooks have run. */
  url(): string;
  /** A fresh schema on that server, dropped after the block. */
  schema(): Promise<TestSchema>;
}

/**
 * Registers `before` and `after` hooks in the current describe block that
 * provide a PostgreSQL server: the one `STEPWISE_TEST_POSTGRES_URL` names,
 * or a temporary one started for the block. After the block, the schemas
 * made with `schema()` are dropped and a temporary server is stopped.
 *
 * @example
 * ```ts
 * describe('on PostgreSQL', () => {
 *   const postgres = postgresForBlock();
 *   test('opens', async () => { await (await openDatabase((await postgres.schema()).url)).close(); });
 * });
 * ```
 */
export function postgresForBlock(): BlockPostgres {
  let server: TemporaryPostgres | undefined;
  let url = '';
  const schemas: TestSchema[] = [];
  before(async () => {
    url = process.env.STEPWISE_TEST_POSTGRES_URL ?? '';
    if (!url) {
      server = await startTemporaryPostgres();
      url = server.url;
    }
  });
  after(async () => {
    for (const schema of schemas) await schema.drop();
    await server?.stop();
  });
  const known = () => {
    if (!url) throw new Error('the PostgreSQL server is known once the block\'s before hooks have run');
    return url;
  };
  return {
    url: known,
    async schema() {
      const made = await createTestSchema(known());
      schemas.push(made);
      return made;
    },
  };
}

/**
 * A describe block on PostgreSQL: the server `STEPWISE_TEST_POSTGRES_URL`
 * names, or a temporary one started for the block; each `open()` gets a
 * fresh schema there, which `drop()` removes; `openAgain()` opens a second
 * handle on that schema (another node).
 *
 * @param name - the block's name
 * @param body - declares the tests, given how to open and drop a schema
 */
export function describeOnPostgres(
  name: string,
  body: (schemas: { open(): Promise<Database>; drop(): Promise<void>; openAgain(): Promise<Database> }) => void,
): void {
  describe(name, () => {
    const postgres = postgresForBlock();
    let schema: TestSchema | undefined;
    const current = () => {
      if (!schema) throw new Error('open() a schema first');
      return schema;
    };
    body({
      async open() {
        schema = await createTestSchema(postgres.url());
        return openDatabase(schema.url);
      },
      async drop() {
        await current().drop();
      },
      /** Another handle on the schema `open()` created last: a second server node on the same database. */
      async openAgain() {
        return openDatabase(current().url);
      },
    });
  });
}
