import { createServer, DEMO_ADMIN, DEMO_CLIENT_ID, DEMO_USER, type StepwiseConfig } from '@stepwise/server';
import type { Output } from '../output.js';

/**
 * `stepwise serve`: starts the server and prints where it is and what to do
 * next. SIGINT and SIGTERM close it cleanly: requests in flight finish and
 * the database is closed, so no write is left half done.
 *
 * @param config - the configuration
 * @param output - where to print
 * @returns resolves when the server has stopped
 */
export async function serve(config: StepwiseConfig, output: Output): Promise<void> {
  const server = await createServer(config);
  const listening = await server.listen();
  const issuer = config.issuer;
  output.out('');
  output.out(`  Stepwise is running at ${issuer}   (listening on ${listening})`);
  output.out(`  Discovery:  ${issuer}/.well-known/openid-configuration`);
  output.out(`  Account:    ${issuer}/account   (sign in, add an authenticator app)`);
  output.out(`  Database:   ${config.databaseUrl}`);
  if (config.demo) {
    output.out('');
    output.out(`  Demo user:   ${DEMO_USER.username} / ${DEMO_USER.password}`);
    output.out(`  Demo admin:  ${DEMO_ADMIN.username} / ${DEMO_ADMIN.password}   (console at ${issuer}/admin; add a second factor at /account first)`);
    output.out(`  Demo client: ${DEMO_CLIENT_ID} (public, PKCE) for the demo bank at ${config.demoBankUrl}`);
    output.out(`  Access tokens may be issued for: ${[issuer, ...config.resources].join(', ')}`);
  }
  output.out('');
  output.out('  Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      output.out(`\n  ${signal} received, shutting down…`);
      server.close().then(
        () => {
          output.out('  Stopped cleanly.');
          resolve();
        },
        (error: unknown) => {
          output.err(`  error while stopping: ${String(error)}`);
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
