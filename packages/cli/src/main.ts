import { parseArgs } from 'node:util';
import { StepwiseError } from '@stepwise/core';
import { loadConfig, openDatabase, type StepwiseConfig } from '@stepwise/server';
import { adminsCommand } from './commands/admins.js';
import { apiKeysCommand } from './commands/apikeys.js';
import { auditCommand } from './commands/audit.js';
import { clientsCommand } from './commands/clients.js';
import { InputFileError } from './commands/input-file.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { policyCommand, policyFromFile } from './commands/policy.js';
import { serve } from './commands/serve.js';
import { simulate } from './commands/simulate.js';
import { usersCommand } from './commands/users.js';
import { processOutput, UsageError, type Output } from './output.js';

/** The help text, also the CLI reference in the README. */
export const USAGE = `Usage: stepwise <command> [options]

Commands:
  serve [--demo] [--port N]                 start the server
  migrate                                   bring the database schema up to date and exit (run before rolling out nodes)
  users add <username> [--password P] [--email E] [--name N]
                                            create a user (a random password is printed if none is given)
  users list                                list users
  users disable|enable <username>           block or allow sign-in
  admins grant|revoke <username>            give or take the admin console role (the console also needs a second factor)
  admins list                               list admins: username, id, granted at, granted by
  clients add <client_id> --redirect-uri URI [--redirect-uri URI…] [--name N] [--confidential]
              [--client-credentials] [--require-par] [--authorization-details-types TYPE,…]
                                            register an OpenID Connect client (public + PKCE by default); --require-par
                                            refuses requests not pushed (PAR), the types limit the transactions it may bind;
                                            --client-credentials (with --confidential) allows tokens of its own, no user:
                                            without --redirect-uri, a backend with that grant only
  clients list                              list clients
  keys rotate                               add a signing key: published by every node at once, it signs from 3 minutes later;
                                            the old one stays published until no node signs with it and its tokens expire
  keys list                                 list signing keys: active, pending (published, not yet signing), retired
  apikeys create <name> [--return-to URL…]  create a decision API key (printed once) and where its challenges may return to
  apikeys list                              list API keys: name, id, created, last used, revoked
  apikeys revoke <name>                     revoke an API key at once
  policy test <cases.yaml> [--policy FILE]  check the policy against test cases (exit 1 if one fails)
  policy diff <old.yaml> <new.yaml> --events FILE
                                            which recorded decisions (NDJSON) the new policy would change
  simulate <scenario.yaml> [--policy FILE]  replay a user's sign-ins and actions through risk and policy
  audit verify                              check the audit log's hash chain; names the first broken event (exit 1)
  audit export [--since T] [--until T] [--type TYPE,…] [--format ndjson]
                                            audit events as NDJSON (T: ISO 8601 or a duration ago such as 24h);
                                            decision events in the shape policy diff --events reads

Options:
  --config FILE    configuration file (default: $STEPWISE_CONFIG, else ./stepwise.yaml if present)
  --policy FILE    use the policy: section of FILE instead of the configuration's
  -h, --help       show this help

Environment: STEPWISE_ISSUER, STEPWISE_HOST, STEPWISE_PORT, STEPWISE_DATA_DIR, STEPWISE_DATABASE_URL,
STEPWISE_LOG_LEVEL, STEPWISE_DEMO, STEPWISE_DEMO_BANK_URL, STEPWISE_RESOURCES, STEPWISE_SECRET_KEYS,
STEPWISE_WEBAUTHN_RP_ID, STEPWISE_WEBAUTHN_ORIGINS, STEPWISE_EMAIL_FROM, STEPWISE_SMTP_HOST, STEPWISE_SMTP_PORT,
STEPWISE_SMTP_USER, STEPWISE_SMTP_PASSWORD, STEPWISE_SMS_WEBHOOK_URL, STEPWISE_SMS_WEBHOOK_SECRET, STEPWISE_OUTBOX,
STEPWISE_AUDIT_WEBHOOK_URL, STEPWISE_AUDIT_WEBHOOK_SECRET, STEPWISE_TRUST_PROXY, STEPWISE_CONFIG.`;

/**
 * Runs the `stepwise` command line.
 *
 * @param argv - arguments after the program name
 * @param output - where to print
 * @returns the exit code: 0 success, 1 failure (or a failed policy test), 2 bad usage or a malformed input file
 * @example
 * ```ts
 * process.exitCode = await main(['users', 'list']);
 * ```
 */
export async function main(argv: string[], output: Output = processOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        demo: { type: 'boolean' },
        port: { type: 'string' },
        password: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        confidential: { type: 'boolean' },
        'client-credentials': { type: 'boolean' },
        'require-par': { type: 'boolean' },
        'authorization-details-types': { type: 'string' },
        'return-to': { type: 'string', multiple: true },
        policy: { type: 'string' },
        events: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        type: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command || command === 'help') {
      output.out(USAGE);
      return command || values.help ? 0 : 2;
    }
    if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
    }
    const config = loadConfig({
      file: values.config,
      overrides: {
        ...(values.demo ? { demo: true } : {}),
        ...(values.port !== undefined ? { port: Number(values.port) } : {}),
      },
    });
    if (command === 'serve') {
      await serve(config, output);
      return 0;
    }
    if (command === 'policy') return policyCommand(config, rest, { policy: values.policy, events: values.events }, output);
    if (command === 'simulate') {
      if (rest.length !== 1) throw new UsageError('simulate needs one scenario file');
      await simulate(config, values.policy === undefined ? config.policy : policyFromFile(values.policy, config), rest[0]!, output);
      return 0;
    }
    return await withDatabase(config, async (database) => {
      switch (command) {
        case 'users':
          await usersCommand(database, rest, values, output);
          return 0;
        case 'admins':
          await adminsCommand(database, rest, output);
          return 0;
        case 'clients':
          await clientsCommand(database, rest, {
            redirectUris: values['redirect-uri'] ?? [], name: values.name, confidential: values.confidential,
            clientCredentials: values['client-credentials'],
            requirePar: values['require-par'], authorizationDetailsTypes: values['authorization-details-types'],
            knownDetailTypes: Object.keys(config.authorizationDetails.types),
          }, output);
          return 0;
        case 'migrate':
          await migrateCommand(config, database, output);
          return 0;
        case 'keys':
          await keysCommand(config, database, rest, output);
          return 0;
        case 'apikeys':
          await apiKeysCommand(database, rest, { returnTo: values['return-to'] ?? [] }, output);
          return 0;
        case 'audit':
          return auditCommand(database, rest, { since: values.since, until: values.until, type: values.type, format: values.format }, output);
        default:
          throw new UsageError(`unknown command "${command}"`);
      }
    });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      output.err(`error: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof InputFileError) {
      output.err(`error: ${error.message} (${error.code})`);
      return 2;
    }
    if (error instanceof StepwiseError) {
      output.err(`error: ${error.message} (${error.code})`);
      return 1;
    }
    throw error;
  }
}

async function withDatabase(config: StepwiseConfig, run: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<number>): Promise<number> {
  const database = await openDatabase(config.databaseUrl);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}
