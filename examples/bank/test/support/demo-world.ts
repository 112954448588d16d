// A real Stepwise server and a real bank on loopback, wired to each other:
// Stepwise knows the bank's redirect URI and API resource, the bank knows
// the issuer. Both listen on 127.0.0.1; the origins use `host` (a browser
// needs `localhost`, a secure context, for Stepwise's cookies).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, loadConfig, type StepwiseServer } from '@stepwise/server';
import { bankEndpoints, startBank, type RunningBank } from '../../src/index.js';
import { freePort } from './free-port.js';

/** Stepwise and the bank, running. */
export interface DemoWorld {
  readonly issuer: string;
  readonly bankUrl: string;
  /** The bank API's resource indicator (the access tokens' audience). */
  readonly resource: string;
  readonly redirectUri: string;
  readonly stepwise: StepwiseServer;
  readonly bank: RunningBank;
  /** Stops both and deletes Stepwise's data folder; once, however often it is called. */
  close(): Promise<void>;
}

/**
 * Starts Stepwise (demo user, demo client) and the bank on free ports.
 *
 * @param host - the host name in both origins: `localhost` or `127.0.0.1`
 */
export async function startDemoWorld(host: 'localhost' | '127.0.0.1' = 'localhost'): Promise<DemoWorld> {
  const [stepwisePort, bankPort] = [await freePort(), await freePort()];
  const issuer = `http://${host}:${stepwisePort}`;
  const bankUrl = `http://${host}:${bankPort}`;
  const { redirectUri, resource } = bankEndpoints(bankUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'stepwise-bank-test-'));
  let stepwise: StepwiseServer | undefined;
  let bank: RunningBank | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await bank?.close();
      await stepwise?.close();
      rmSync(dataDir, { recursive: true, force: true });
    })());
  try {
    const config = loadConfig({
      file: null,
      env: {},
      // Demo mode with the bank's URL lets the demo client return to the
      // bank and tokens be issued for its API, as `npm start` does.
      overrides: { issuer, host: '127.0.0.1', port: stepwisePort, data_dir: dataDir, demo: true, demo_bank_url: bankUrl, log_level: 'silent' },
    });
    stepwise = await createServer(config);
    await stepwise.listen();
    bank = await startBank({ port: bankPort, host: '127.0.0.1', issuer, publicUrl: bankUrl });
    return { issuer, bankUrl, resource, redirectUri, stepwise, bank, close };
  } catch (error) {
    await close();
    throw error;
  }
}
