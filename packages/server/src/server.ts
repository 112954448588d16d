import { LevelSet } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { createAuditLog } from './audit/audit-log.js';
import { signingKeyGrace } from './keys/signing-keys.js';
import { createAuditWebhook } from './audit/audit-webhook.js';
import { recordPolicyReloaded } from './audit/events.js';
import { LOG_REDACT } from './logging/log-redaction.js';
import type { StepwiseConfig } from './config/schema.js';
import { SecretBox } from './crypto/secret-box.js';
import { createMessenger } from './delivery/messenger.js';
import { seedDemo } from './demo.js';
import { buildApp } from './http/app.js';
import { createKeyRing, type KeyRing } from './keys/key-ring.js';
import { createProvider } from './oidc/provider.js';
import { holdPolicy } from './policy/policy-holder.js';
import { createRiskEngine } from './risk/create-risk-engine.js';
import { resolveSecretKeys } from './secret-keys-file.js';
import { epochSeconds, type Services } from './services.js';
import { openDatabase, type Database } from './storage/database.js';

export { LOG_REDACT } from './logging/log-redaction.js';

export { signingKeyGrace } from './keys/signing-keys.js';

/** A running (or ready to run) Stepwise server. */
export interface StepwiseServer {
  readonly services: Services;
  readonly app: FastifyInstance;
  readonly database: Database;
  /** This node's signing keys, reloaded from the database (a rotation needs no restart). */
  readonly signingKeys: KeyRing;
  /** Listens on the configured host and port; resolves to the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, finishes those in flight, closes mail connections and the database. */
  close(): Promise<void>;
}

/** Options beyond the configuration. */
export interface CreateServerOptions {
  /** A logger to use instead of a new pino instance. */
  readonly logger?: Logger;
}

/**
 * Opens storage, loads keys, builds the provider and the HTTP app. Nothing
 * listens until {@link StepwiseServer.listen}.
 *
 * @param config - validated configuration
 * @param options - the logger
 * @example
 * ```ts
 * const server = await createServer(loadConfig());
 * console.log(await server.listen());
 * ```
 */
export async function createServer(config: StepwiseConfig, options: CreateServerOptions = {}): Promise<StepwiseServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, redact: LOG_REDACT });
  const database = await openDatabase(config.databaseUrl);
  const messenger = createMessenger(config, database.db, logger);
  const levels = new LevelSet(config.levels);
  const audit = createAuditLog(database.db, database.dialect, logger);
  // A reload is no request: its event is written without anyone waiting on it.
  const policies = holdPolicy(config.policy, config.configFile, levels, logger, (reload) => {
    recordPolicyReloaded({ audit }, reload).catch((error: unknown) => logger.error({ err: error }, 'the policy reload could not be recorded in the audit log'));
  });
  const webhook = config.audit.webhook ? createAuditWebhook(database.db, audit, config.audit.webhook, logger) : undefined;
  try {
    const { keys: secretKeys } = resolveSecretKeys(config);
    const box = new SecretBox(secretKeys);
    const signingKeys = await createKeyRing({ db: database.db, box, graceSeconds: signingKeyGrace(config), logger, now: epochSeconds });
    const services: Services = {
      config,
      db: database.db,
      box,
      secretKeys,
      levels,
      logger,
      messenger,
      policies,
      risk: await createRiskEngine(config, database.db, logger),
      tokenKeys: signingKeys.tokenKeys,
      audit,
      now: epochSeconds,
    };
    if (config.demo) {
      await seedDemo(services);
    }
    const provider = createProvider(services, signingKeys.keys());
    signingKeys.attach(provider);
    // A reload replaces keys() even when the keys are the same: /jwks is
    // then answered by the provider once more, a minute at most apart.
    const app = await buildApp(services, provider, async () => {
      await signingKeys.ensureFresh();
      return signingKeys.keys();
    });
    webhook?.start();
    signingKeys.start();
    return {
      services,
      app,
      database,
      signingKeys,
      async listen() {
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      },
      async close() {
        signingKeys.close();
        await app.close();
        policies.close();
        await services.audit.flush();
        await webhook?.close();
        await messenger.close();
        await database.close();
      },
    };
  } catch (error) {
    policies.close();
    await webhook?.close();
    await audit.flush();
    await messenger.close();
    await database.close();
    throw error;
  }
}
