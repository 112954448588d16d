// Runs Stepwise Bank from environment variables:
//   BANK_PORT (3001), BANK_HOST (localhost), BANK_PUBLIC_URL (http://<host>:<port>),
//   STEPWISE_ISSUER (http://localhost:3000).
import { startBank } from './bank.js';

function portFrom(value: string | undefined): number {
  const port = Number(value ?? '3001');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`BANK_PORT must be an integer between 0 and 65535, got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return port;
}

const env = process.env;
const issuer = env.STEPWISE_ISSUER ?? 'http://localhost:3000';
try {
  const bank = await startBank({
    port: portFrom(env.BANK_PORT),
    host: env.BANK_HOST ?? 'localhost',
    issuer,
    ...(env.BANK_PUBLIC_URL ? { publicUrl: env.BANK_PUBLIC_URL } : {}),
  });
  console.log(`Stepwise Bank is running at ${bank.url} (signing in with ${issuer})`);
  const stop = (signal: string) => {
    console.log(`${signal}: stopping Stepwise Bank`);
    bank.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('could not stop cleanly', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`Stepwise Bank could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
