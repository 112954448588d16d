// Several `stepwise serve` child processes on one temporary PostgreSQL, with
// the same secret keys and one issuer: the URL of a round-robin proxy in
// front of them. Child processes, so a test can SIGKILL one. Users, TOTP
// factors, API keys and clients are seeded through storage on the shared
// database, the way the audit crash test seeds its single node.
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateTotpSecret, totpSecretContext } from '../../src/factors/totp.js';
import { formatSecretKeys, generateSecretKey } from '../../src/crypto/secret-box.js';
import { apiKeys, clients, epochSeconds, hashPassword, openDatabase, SecretBox, users, type Database } from '../../src/index.js';
import type { StepwiseYaml } from '../../src/config/load.js';
import { createFactor } from '../../src/storage/factors.js';
import { spawnCli } from './cli-process.js';
import { freePort } from './free-port.js';
import { RP_CLIENT_ID, RP_REDIRECT_URI } from './harness.js';
import { startTemporaryPostgres, type TemporaryPostgres } from './postgres.js';
import { startRoundRobin, type RoundRobin } from './round-robin.js';

const START_TIMEOUT_MS = 20_000;

/** One `stepwise serve` process of the cluster. */
export interface ClusterNode {
  readonly index: number;
  /** `http://127.0.0.1:PORT`, the node itself, bypassing the proxy. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** The last lines it wrote to stdout and stderr, for failure messages. */
  output(): string;
}

/** A user seeded with a password (optional) and an authenticator app. */
export interface SeededUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  /** Base32 TOTP secret. */
  readonly secret: string;
  readonly factorId: string;
}

/** A running cluster. */
export interface Cluster {
  /** The proxy URL: every node's issuer. */
  readonly issuer: string;
  readonly databaseUrl: string;
  /** The environment every node runs with; pass it to `runCli` (`audit verify`). */
  readonly env: Readonly<Record<string, string>>;
  readonly nodes: readonly ClusterNode[];
  readonly proxy: RoundRobin;
  /** A handle on the shared database, for seeding and for reading what the nodes wrote. */
  readonly database: Database;
  /**
   * Creates users with an authenticator app each (and a password, when
   * `withPassword`), through storage.
   */
  seedUsers(count: number, options?: { prefix?: string; withPassword?: boolean }): Promise<SeededUser[]>;
  /** Creates an API key; returns its secret. */
  createApiKey(name: string): Promise<string>;
  /** Stops every node (SIGKILL), the proxy and PostgreSQL, and deletes the folders. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** How many nodes; default 2. */
  readonly nodes?: number;
  /** Settings in the YAML shape, written to the config file every node reads. */
  readonly config?: Partial<StepwiseYaml>;
}

async function waitUntilUp(node: ClusterNode, deadline: number): Promise<void> {
  let exited = false;
  void node.exited.then(() => { exited = true; });
  for (;;) {
    if (exited) throw new Error(`node ${node.index} exited during start:\n${node.output()}`);
    try {
      if ((await fetch(`${node.url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`node ${node.index} did not start within ${START_TIMEOUT_MS / 1000} s:\n${node.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function spawnNode(index: number, port: number, env: Record<string, string>, dataDir: string): ClusterNode {
  const child = spawnCli(['serve'], { ...env, STEPWISE_PORT: String(port), STEPWISE_DATA_DIR: dataDir });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let tail = '';
  // Read both pipes to the end, so a chatty node never blocks on a full pipe.
  const keep = (chunk: Buffer) => { tail = (tail + chunk.toString('utf8')).slice(-4_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { index, url: `http://127.0.0.1:${port}`, child, exited, output: () => tail };
}

/** A fresh database on the server `STEPWISE_TEST_POSTGRES_URL` names, or a temporary server. */
async function freshDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  const shared = process.env.STEPWISE_TEST_POSTGRES_URL;
  if (!shared) {
    const server: TemporaryPostgres = await startTemporaryPostgres();
    return server;
  }
  const name = `stepwise_cluster_${randomUUID().replaceAll('-', '')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: shared });
    await client.connect();
    try { await client.query(query); } finally { await client.end(); }
  };
  await admin(`create database ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return { url: url.toString(), stop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * Starts PostgreSQL, a round-robin proxy and `nodes` Stepwise nodes behind
 * it. Nodes start one after another: the first creates the signing key, the
 * next ones load it. The test client (`test-rp`, as in the harness) is
 * registered. Call `stop()` in `finally`.
 *
 * @param options - node count and settings
 * @example
 * ```ts
 * const cluster = await startCluster({ nodes: 2 });
 * try { await fetch(`${cluster.issuer}/healthz`); } finally { await cluster.stop(); }
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'stepwise-cluster-'));
  const started: ClusterNode[] = [];
  let postgres: { url: string; stop(): Promise<void> } | undefined;
  let proxy: RoundRobin | undefined;
  let database: Database | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const node of started) node.child.kill('SIGKILL');
    await Promise.all(started.map((node) => node.exited));
    await proxy?.close();
    await database?.close().catch(() => undefined);
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    postgres = await freshDatabase();
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    proxy = await startRoundRobin(ports);
    const secretKeys = [generateSecretKey('cluster-1')];
    const configFile = join(dir, 'stepwise.yaml');
    // JSON is YAML.
    writeFileSync(configFile, JSON.stringify(options.config ?? {}));
    const env: Record<string, string> = {
      STEPWISE_CONFIG: configFile,
      STEPWISE_DATABASE_URL: postgres.url,
      STEPWISE_SECRET_KEYS: formatSecretKeys(secretKeys),
      STEPWISE_ISSUER: proxy.url,
      STEPWISE_HOST: '127.0.0.1',
      STEPWISE_LOG_LEVEL: 'error',
    };
    for (let index = 0; index < count; index += 1) {
      const dataDir = join(dir, `node-${index}`);
      // A free port can be taken by another test between freePort() and the child's listen:
      // start again on another one (the proxy reads `ports` per request, so it follows).
      for (let attempt = 1; ; attempt += 1) {
        const node = spawnNode(index, ports[index]!, env, dataDir);
        started.push(node);
        try {
          await waitUntilUp(node, Date.now() + START_TIMEOUT_MS);
          break;
        } catch (error) {
          if (attempt >= 3 || !node.output().includes('EADDRINUSE')) throw error;
          started.pop();
          let port = await freePort();
          while (ports.includes(port)) port = await freePort();
          ports[index] = port;
        }
      }
    }

    database = await openDatabase(postgres.url);
    const db = database.db;
    await clients.upsertClient(db, {
      client_id: RP_CLIENT_ID,
      client_name: 'Test RP',
      redirect_uris: [RP_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }, epochSeconds());
    const box = new SecretBox(secretKeys);
    const seedOne = async (username: string, withPassword: boolean): Promise<SeededUser> => {
      const password = `${username} long passphrase`;
      const user = await users.createUser(db, { username, passwordHash: withPassword ? await hashPassword(password) : null });
      const secret = generateTotpSecret();
      const factorId = `totp-${user.id}`;
      await createFactor(db, {
        id: factorId, userId: user.id, method: 'totp', name: 'app', secret: box.seal(secret, totpSecretContext(factorId)), confirmedAt: epochSeconds() - 60,
      });
      return { id: user.id, username, password, secret, factorId };
    };

    return {
      issuer: proxy.url,
      databaseUrl: postgres.url,
      env,
      nodes: started,
      proxy,
      database,
      async seedUsers(total, { prefix = 'user', withPassword = false } = {}) {
        const seeded: SeededUser[] = new Array<SeededUser>(total);
        let next = 0;
        // A few at a time: argon2id for passwords is the slow part.
        const worker = async () => {
          while (next < total) {
            const index = next++;
            seeded[index] = await seedOne(`${prefix}-${index}`, withPassword);
          }
        };
        await Promise.all(Array.from({ length: Math.min(8, total) }, worker));
        return seeded;
      },
      async createApiKey(name) {
        return (await apiKeys.createApiKey(db, { name, returnTo: ['http://127.0.0.1:9/stepped-up'] }, epochSeconds())).key;
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
