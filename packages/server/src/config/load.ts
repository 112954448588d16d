import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as z from 'zod';
import { ConfigError, DEFAULT_LEVELS, LevelSet, PolicyError, StepwiseError } from '@stepwise/core';
import type { LevelDefinition } from '@stepwise/core';
import { parseSecretKeys } from '../crypto/secret-box.js';
import { readAudit } from './audit-schema.js';
import { readAuthorizationDetails } from './authorization-details-schema.js';
import { readDecisions, readPolicy, readRisk } from './policy-load.js';
import { isMapping, readFile, type FileLayer, type RawObject } from './yaml-file.js';
import { describeValue, knownKeysAt, rawConfigSchema } from './schema.js';
import type { ParsedStepwiseYaml, StepwiseConfig, StepwiseYaml } from './schema.js';

export { parseDuration } from './schema.js';
export { readPolicyFile } from './policy-load.js';
export type { StepwiseConfig, StepwiseYaml } from './schema.js';

/** Where {@link loadConfig} reads from; every field is optional. */
export interface LoadConfigOptions {
  /** The YAML file; `null` reads none. Default: `STEPWISE_CONFIG`, else `./stepwise.yaml` if it exists. */
  file?: string | null;
  /** Environment variables; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Folder for relative paths; default `process.cwd()`. */
  cwd?: string;
  /** Settings that win over file and environment (command-line flags), in the YAML shape. */
  overrides?: Partial<StepwiseYaml>;
}

/** Where `npm start` runs the demo bank. */
export const DEFAULT_DEMO_BANK_URL = 'http://localhost:3001';

/** Environment variables and the top-level YAML key each one sets. */
export const CONFIG_ENV_VARS = {
  STEPWISE_ISSUER: 'issuer',
  STEPWISE_HOST: 'host',
  STEPWISE_PORT: 'port',
  STEPWISE_DATA_DIR: 'data_dir',
  STEPWISE_DATABASE_URL: 'database_url',
  STEPWISE_LOG_LEVEL: 'log_level',
  STEPWISE_DEMO: 'demo',
  STEPWISE_DEMO_BANK_URL: 'demo_bank_url',
  STEPWISE_SECRET_KEYS: 'secret_keys',
  STEPWISE_RESOURCES: 'resources',
  STEPWISE_WEBAUTHN_RP_ID: 'webauthn.rp_id',
  STEPWISE_WEBAUTHN_ORIGINS: 'webauthn.origins',
  STEPWISE_EMAIL_FROM: 'email.from',
  STEPWISE_SMTP_HOST: 'email.smtp.host',
  STEPWISE_SMTP_PORT: 'email.smtp.port',
  STEPWISE_SMTP_USER: 'email.smtp.user',
  STEPWISE_SMTP_PASSWORD: 'email.smtp.password',
  STEPWISE_SMS_WEBHOOK_URL: 'sms.webhook_url',
  STEPWISE_SMS_WEBHOOK_SECRET: 'sms.webhook_secret',
  STEPWISE_AUDIT_WEBHOOK_URL: 'audit.webhook.url',
  STEPWISE_AUDIT_WEBHOOK_SECRET: 'audit.webhook.secret',
  STEPWISE_OUTBOX: 'outbox',
  STEPWISE_TRUST_PROXY: 'trust_proxy',
} as const satisfies Record<string, string>;

/** Environment values that are comma-separated lists. */
const LIST_SETTINGS = new Set(['resources', 'webauthn.origins']);
const NUMBER_SETTINGS = new Set(['port', 'email.smtp.port']);
const BOOLEAN_SETTINGS = new Set(['demo', 'outbox']);

function selectFile(options: LoadConfigOptions, env: Record<string, string | undefined>, cwd: string): string | null {
  if (options.file === null) return null;
  if (options.file !== undefined) return resolve(cwd, options.file);
  if (env.STEPWISE_CONFIG) return resolve(cwd, env.STEPWISE_CONFIG);
  const fallback = resolve(cwd, 'stepwise.yaml');
  return existsSync(fallback) ? fallback : null;
}

// Environment values are strings; only what clearly is a number or a boolean
// is converted, so the schema reports the original text otherwise.
function readEnv(env: Record<string, string | undefined>): RawObject {
  const values: RawObject = {};
  for (const [name, key] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name]?.trim();
    // An empty variable (`STEPWISE_PORT=` in a compose file) means unset.
    if (!value) continue;
    let parsed: unknown = value;
    if (NUMBER_SETTINGS.has(key)) parsed = /^\d+$/.test(value) ? Number(value) : value;
    else if (BOOLEAN_SETTINGS.has(key)) {
      parsed = ({ true: true, '1': true, false: false, '0': false } as Record<string, boolean>)[value.toLowerCase()];
      if (parsed === undefined) throw new ConfigError(name, `must be "true", "false", "1" or "0", got ${describeValue(value)}`);
    } else if (LIST_SETTINGS.has(key)) parsed = value.split(',').map((item) => item.trim()).filter(Boolean);
    setPath(values, key.split('.'), parsed);
  }
  return values;
}

function setPath(tree: RawObject, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const step of path.slice(0, -1)) {
    if (!isMapping(node[step])) node[step] = {};
    node = node[step] as RawObject;
  }
  node[path[path.length - 1]!] = value;
}

// YAML `key:` with no value means "use the default", as if absent.
function withoutNulls(value: RawObject): RawObject {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== null && item !== undefined)
      .map(([key, item]) => [key, isMapping(item) ? withoutNulls(item) : item]),
  );
}

function merge(base: RawObject, top: RawObject): RawObject {
  const out: RawObject = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const below = out[key];
    out[key] = isMapping(below) && isMapping(value) ? merge(below, value) : value;
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : `${index ? '.' : ''}${String(step)}`)).join('');
}

function normalisedKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyReason(parent: readonly PropertyKey[], key: string): string {
  const target = normalisedKey(key);
  const guess = knownKeysAt(parent)
    .map((known) => ({ known, distance: editDistance(normalisedKey(known), target) }))
    .filter((candidate) => candidate.distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  return `is not a known setting${guess ? ` (did you mean "${formatPath([...parent, guess.known])}"?)` : ''}`;
}

function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const step of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[step];
  }
  return node;
}

function toConfigError(issue: z.core.$ZodIssue, checked: RawObject, envNames: ReadonlyMap<string, string>, file: FileLayer | null, fromFile: RawObject): ConfigError {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const reason = issue.code === 'unrecognized_keys' ? unknownKeyReason(issue.path, issue.keys[0] ?? '') : issue.message;
  const envName = [...envNames].find(([key]) => formatPath(path) === key || formatPath(path).startsWith(`${key}.`))?.[1];
  if (envName) return new ConfigError(envName, reason);
  // Point at the file only when the refused value is the file's own.
  const fileValue = valueAt(fromFile, path);
  const line = file && fileValue !== undefined && fileValue === valueAt(checked, path) ? file.lineOf(path) : undefined;
  return new ConfigError(formatPath(path), line === undefined ? reason : `${reason} (${file?.path}, line ${line})`);
}

function validate(raw: RawObject, envNames: ReadonlyMap<string, string>, file: FileLayer | null, fromFile: RawObject): ParsedStepwiseYaml {
  // The file is checked on its own too, so a bad value hidden today by an
  // environment variable does not surface on the day that variable goes.
  const fileResult = rawConfigSchema.safeParse(fromFile);
  const result = fileResult.success ? rawConfigSchema.safeParse(raw) : fileResult;
  const [checked, names] = fileResult.success ? [raw, envNames] : [fromFile, new Map<string, string>()];
  if (result.success) return result.data;
  // A misspelt key is the likelier cause of a neighbouring "is required".
  const issues = [...result.error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  throw toConfigError(issues[0] as z.core.$ZodIssue, checked, names, file, fromFile);
}

function toLevel(level: NonNullable<ParsedStepwiseYaml['levels']>[number]): LevelDefinition {
  const { phishing_resistant: phishingResistant, hardware_bound: hardwareBound, factors } = level.criteria;
  return {
    name: level.name,
    rank: level.rank,
    lifetime: level.lifetime,
    criteria: {
      factors,
      ...(phishingResistant === undefined ? {} : { phishingResistant }),
      ...(hardwareBound === undefined ? {} : { hardwareBound }),
    },
    ...(level.description === undefined ? {} : { description: level.description }),
  };
}

function checkLevels(levels: LevelDefinition[]): LevelDefinition[] {
  try {
    new LevelSet(levels);
  } catch (error) {
    if (error instanceof StepwiseError) throw new ConfigError('levels', error.message);
    throw error;
  }
  return levels;
}

/**
 * Loads and validates the configuration. Precedence, highest first:
 * `overrides`, `STEPWISE_*` environment variables, the YAML file, defaults.
 *
 * @param options - where to read from; see {@link LoadConfigOptions}
 * @throws {@link ConfigError} whose key is the dotted YAML key (e.g.
 *   `tokens.access_token_ttl`), the environment variable, or the file for
 *   unreadable or malformed YAML
 * @example
 * ```ts
 * const config = loadConfig({ file: 'stepwise.yaml', env: { STEPWISE_PORT: '8080' } });
 * config.port; // 8080
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): StepwiseConfig {
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const configFile = selectFile(options, env, cwd);
  const file = configFile === null ? null : readFile(configFile);
  const fromFile = withoutNulls(file?.values ?? {});
  const fromEnv = readEnv(env);
  const fromOverrides = withoutNulls((options.overrides ?? {}) as RawObject);

  const envNames = new Map<string, string>();
  for (const [name, key] of Object.entries(CONFIG_ENV_VARS)) {
    const path = key.split('.');
    if (valueAt(fromEnv, path) !== undefined && valueAt(fromOverrides, path) === undefined) envNames.set(key, name);
  }
  const raw = validate(merge(merge(fromFile, fromEnv), fromOverrides), envNames, file, fromFile);

  const port = raw.port ?? 3000;
  const issuer = raw.issuer ?? `http://localhost:${port}`;
  // A path written in the file is relative to the file, like an include;
  // one from the environment, a flag or the default is relative to cwd.
  const dataDirFromFile = configFile !== null && 'data_dir' in fromFile && !('data_dir' in fromEnv) && !('data_dir' in fromOverrides);
  const dataDir = resolve(dataDirFromFile ? dirname(configFile) : cwd, raw.data_dir ?? './data');

  let secretKeys = null;
  if (raw.secret_keys !== undefined) {
    try {
      secretKeys = parseSecretKeys(raw.secret_keys);
    } catch (error) {
      const envName = envNames.get('secret_keys');
      if (!envName || !(error instanceof ConfigError)) throw error;
      throw new ConfigError(envName, error.message.slice(`configuration ${error.key}: `.length));
    }
  }

  const issuerUrl = new URL(issuer);
  const levels = checkLevels(raw.levels ? raw.levels.map(toLevel) : [...DEFAULT_LEVELS]);
  let policy;
  try {
    policy = readPolicy(raw.policy, new LevelSet(levels), (path) => file?.lineOf(path));
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw new ConfigError(`policy.${error.path}`, `${error.reason}${error.line === undefined ? '' : ` (${file?.path}, line ${error.line})`}`);
  }
  const demo = raw.demo ?? false;
  const demoBankUrl = raw.demo_bank_url ?? DEFAULT_DEMO_BANK_URL;
  return {
    issuer,
    host: raw.host ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl: raw.database_url ?? `sqlite:${join(dataDir, 'stepwise.db')}`,
    logLevel: raw.log_level ?? 'info',
    demo,
    demoBankUrl,
    secretKeys,
    cookieSecure: raw.cookies?.secure ?? (issuerUrl.protocol === 'https:' || issuerUrl.hostname === 'localhost'),
    trustProxy: raw.trust_proxy ?? false,
    resources: [...new Set([...(raw.resources ?? []), ...(demo ? [`${demoBankUrl}/api`] : [])])],
    levels,
    tokens: {
      accessTokenTtl: raw.tokens?.access_token_ttl ?? 600,
      idTokenTtl: raw.tokens?.id_token_ttl ?? 600,
      refreshTokenTtl: raw.tokens?.refresh_token_ttl ?? 14 * 86_400,
      sessionTtl: raw.tokens?.session_ttl ?? 30 * 86_400,
    },
    stepUp: {
      whenUnenrolled: raw.step_up?.when_unenrolled ?? 'enroll',
      maxAttemptsPerChallenge: raw.step_up?.max_attempts_per_challenge ?? 5,
      accountMaxFailures: raw.lockout?.account_max_failures ?? 10,
      accountWindowSeconds: raw.lockout?.window ?? 900,
      ipMaxFailures: raw.lockout?.ip_max_failures ?? 50,
    },
    webauthn: resolveWebauthn(raw.webauthn, issuerUrl, (key) => envNames.get(key) ?? key),
    codes: {
      length: raw.codes?.length ?? 6,
      ttl: raw.codes?.ttl ?? 600,
      sendsPerUser: raw.codes?.sends_per_user ?? 5,
      sendsPerDestination: raw.codes?.sends_per_destination ?? 3,
      sendWindowSeconds: raw.codes?.send_window ?? 900,
    },
    email: {
      from: raw.email?.from ?? `Stepwise <no-reply@${issuerUrl.hostname}>`,
      smtp: raw.email?.smtp
        ? {
            host: raw.email.smtp.host,
            port: raw.email.smtp.port ?? (raw.email.smtp.secure ? 465 : 587),
            secure: raw.email.smtp.secure ?? false,
            requireTls: raw.email.smtp.require_tls ?? false,
            user: raw.email.smtp.user ?? null,
            password: raw.email.smtp.password ?? null,
          }
        : null,
    },
    sms: raw.sms ? { webhookUrl: raw.sms.webhook_url, webhookSecret: raw.sms.webhook_secret } : null,
    outbox: raw.outbox ?? demo,
    configFile,
    policy,
    risk: readRisk(raw.risk, configFile === null ? cwd : dirname(configFile)),
    decisions: readDecisions(raw.decisions),
    authorizationDetails: readAuthorizationDetails(raw.authorization_details),
    audit: readAudit(raw.audit),
  };
}

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])$/;

function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/**
 * The Relying Party ID and origins. Browsers accept a credential only when
 * the RP ID is the page's host or a parent domain of it, and only in a
 * secure context, so a mismatch is refused here rather than at the first
 * registration.
 */
function resolveWebauthn(raw: ParsedStepwiseYaml['webauthn'], issuer: URL, named: (key: string) => string): StepwiseConfig['webauthn'] {
  const rpName = raw?.rp_name ?? 'Stepwise';
  const origins = [...new Set([issuer.origin, ...(raw?.origins ?? [])])];
  const unusable = IP_ADDRESS.test(issuer.hostname) || (issuer.protocol !== 'https:' && !isLocalhost(issuer.hostname));
  if (raw?.rp_id === undefined && raw?.origins === undefined && unusable) {
    // Browsers refuse WebAuthn here (an IP address, or plain http off
    // localhost): passkeys stay off unless the operator configures them.
    return { rpId: null, rpName, origins };
  }
  const rpId = (raw?.rp_id ?? issuer.hostname).toLowerCase();
  if (IP_ADDRESS.test(rpId)) {
    throw new ConfigError(named('webauthn.rp_id'), 'must be a domain name, not an IP address (browsers refuse it; use localhost in development)');
  }
  for (const origin of origins) {
    const { hostname, protocol } = new URL(origin);
    if (hostname !== rpId && !hostname.endsWith(`.${rpId}`)) {
      const key = origin === issuer.origin ? 'webauthn.rp_id' : 'webauthn.origins';
      throw new ConfigError(named(key), `"${rpId}" is neither the host of ${origin} nor a parent domain of it; browsers would refuse every passkey`);
    }
    if (protocol !== 'https:' && !isLocalhost(hostname)) {
      throw new ConfigError(named('webauthn.origins'), `${origin} is not https: browsers allow WebAuthn only on https or localhost`);
    }
  }
  return { rpId, rpName, origins };
}

