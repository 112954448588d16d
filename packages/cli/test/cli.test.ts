// The stepwise command as an operator uses it: users, clients, key rotation,
// and `serve` started as a real process and stopped with Ctrl-C (SIGINT).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { main, type Output } from '../src/index.js';

const BIN = new URL('../src/bin.js', import.meta.url).pathname;

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('stepwise CLI', () => {
  let dataDir: string;
  const saved = { ...process.env };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stepwise-cli-'));
    process.env.STEPWISE_DATA_DIR = dataDir;
    process.env.STEPWISE_LOG_LEVEL = 'silent';
    delete process.env.STEPWISE_CONFIG;
  });
  after(() => {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('users add, list, disable; a duplicate is refused with its code', async () => {
    const output = capture();
    assert.equal(await main(['users', 'add', 'alice', '--password', 'a long passphrase', '--email', 'a@example.com'], output), 0);
    assert.match(output.lines[0]!, /created user alice/);
    assert.equal(await main(['users', 'add', 'Alice', '--password', 'x'], output), 1);
    assert.match(output.errors.join('\n'), /ERR_USER_EXISTS/);
    assert.equal(await main(['users', 'disable', 'alice'], output), 0);
    const listed = capture();
    assert.equal(await main(['users', 'list'], listed), 0);
    assert.match(listed.lines.join('\n'), /alice\t.*\tdisabled\ta@example.com/);
  });

  test('users add without a password prints a generated one once', async () => {
    const output = capture();
    assert.equal(await main(['users', 'add', 'bob'], output), 0);
    assert.match(output.lines.join('\n'), /password: \S{12,}/);
  });

  test('clients add validates redirect URIs and lists clients', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'shop', '--redirect-uri', 'https://shop.example/cb', '--name', 'Shop'], output), 0);
    assert.equal(await main(['clients', 'add', 'bad', '--redirect-uri', 'http://evil.example/cb'], output), 1);
    assert.match(output.errors.join('\n'), /ERR_VALIDATION/);
    assert.equal(await main(['clients', 'add', 'secretive', '--redirect-uri', 'https://s.example/cb', '--confidential'], output), 0);
    assert.match(output.lines.join('\n'), /client secret: \S{40,}/);
    const listed = capture();
    await main(['clients', 'list'], listed);
    assert.match(listed.lines.join('\n'), /shop\tnone\thttps:\/\/shop.example\/cb/);
    assert.match(listed.lines.join('\n'), /secretive\tclient_secret_basic/);
  });

  test('bad usage exits 2 with the help; a bad setting names its key', async () => {
    const output = capture();
    assert.equal(await main(['frobnicate'], output), 2);
    assert.match(output.errors.join('\n'), /Usage: stepwise/);
    process.env.STEPWISE_PORT = 'eighty';
    try {
      assert.equal(await main(['users', 'list'], output), 1);
      assert.match(output.errors.join('\n'), /STEPWISE_PORT.*ERR_CONFIG_INVALID/);
    } finally {
      delete process.env.STEPWISE_PORT;
    }
  });

  test('keys rotate: the new key is published at once and signs from its activation, no restart needed', async () => {
    const first = capture();
    await main(['keys', 'list'], first);
    assert.equal(first.lines.length, 1);
    const oldKid = first.lines[0]!.split('\t')[0]!;
    const rotated = capture();
    assert.equal(await main(['keys', 'rotate'], rotated), 0);
    assert.match(rotated.lines.join('\n'), /no restart is needed/);
    const listed = capture();
    await main(['keys', 'list'], listed);
    assert.equal(listed.lines.length, 2);
    assert.match(listed.lines.find((line) => line.startsWith(oldKid))!, /\tactive, retires \d{4}-/);
    const newKid = listed.lines.find((line) => /\tpublished, signs from \d{4}-/.test(line))!.split('\t')[0]!;

    const port = await freePort();
    const run = await startServe(port, dataDir);
    try {
      const jwks = (await (await fetch(`http://127.0.0.1:${port}/jwks`)).json()) as { keys: { kid: string }[] };
      assert.deepEqual(jwks.keys.map((key) => key.kid).sort(), [newKid, oldKid].sort());
    } finally {
      await run.stop();
    }
  });

  test('serve prints where it runs and stops cleanly on SIGINT, leaving an intact database', async () => {
    const port = await freePort();
    const run = await startServe(port, dataDir, ['--demo']);
    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    assert.match(run.output(), /Demo user:\s+demo \/ stepwise-demo/);
    assert.match(run.output(), new RegExp(`Stepwise is running at http://localhost:${port}`));
    const { code, text } = await run.stop();
    assert.equal(code, 0);
    assert.match(text, /Stopped cleanly/);
    const dbFile = join(dataDir, 'stepwise.db');
    assert.equal(existsSync(`${dbFile}-wal`), false, 'no write-ahead log left behind');
    const db = new Database(dbFile, { readonly: true });
    try {
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    } finally {
      db.close();
    }
  });
});

async function startServe(port: number, dataDir: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'serve', ...extra], {
    env: { ...process.env, STEPWISE_PORT: String(port), STEPWISE_DATA_DIR: dataDir, STEPWISE_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!text.includes('Press Ctrl-C')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    output: () => text,
    async stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, text };
    },
  };
}
