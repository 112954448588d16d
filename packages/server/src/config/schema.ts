import * as z from 'zod';
import { ConfigError } from '@stepwise/core';
import type { CompiledPolicy, LevelDefinition } from '@stepwise/core';
import type { SecretKey } from '../crypto/secret-box.js';
import { auditSchema, type AuditConfig } from './audit-schema.js';
import { authorizationDetailsSchema, type AuthorizationDetailsConfig } from './authorization-details-schema.js';
import { trustProxySchema, type TrustProxy } from './trust-proxy-schema.js';
import { decisionsSchema, riskSchema, type DecisionsConfig, type RiskConfig } from './policy-schema.js';

/** Log levels pino knows, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration, with every default filled in. */
export interface StepwiseConfig {
  /** The OpenID Connect issuer URL, without trailing slash. */
  issuer: string;
  host: string;
  /** 0 lets the system choose a free port (tests). */
  port: number;
  /** Absolute path of the folder for the SQLite file and generated keys. */
  dataDir: string;
  /** `sqlite:<path>` or `postgres://…`. */
  databaseUrl: string;
  logLevel: LogLevel;
  /** Seeds demo users and a demo client. */
  demo: boolean;
  /**
   * Where the demo bank runs (`examples/bank`), without trailing slash. With
   * `demo`, the demo client may be redirected to `<url>/callback` and tokens
   * may be issued for the resource `<url>/api`.
   */
  demoBankUrl: string;
  /** Keys that encrypt factor secrets, current first; `null` when not configured (the server creates `data_dir/secret-keys`). */
  secretKeys: SecretKey[] | null;
  /** Whether cookies carry `Secure`. */
  cookieSecure: boolean;
  /** Proxies whose `X-Forwarded-For` gives the client's address (`trust_proxy`; default `false`). */
  trustProxy: TrustProxy;
  /** Assurance levels, already checked by `LevelSet`. */
  levels: LevelDefinition[];
  /**
   * Resource indicators (RFC 8707) access tokens may be issued for: the APIs
   * whose guard accepts them as audience. The issuer is always allowed; any
   * other `resource` is refused with `invalid_target`.
   */
  resources: string[];
  /** Lifetimes in seconds. */
  tokens: { accessTokenTtl: number; idTokenTtl: number; refreshTokenTtl: number; sessionTtl: number };
  stepUp: {
    /** What a step-up does when the user has no factor that could meet it. */
    whenUnenrolled: 'enroll' | 'fail';
    maxAttemptsPerChallenge: number;
    accountMaxFailures: number;
    /** Seconds over which failures are counted. */
    accountWindowSeconds: number;
    ipMaxFailures: number;
  };
  /** WebAuthn (passkeys and security keys). */
  webauthn: {
    /** Relying Party ID; `null` turns passkeys off (an issuer on a bare IP address, which browsers refuse). */
    rpId: string | null;
    /** Shown by the browser and the authenticator. */
    rpName: string;
    /** Origins whose WebAuthn responses are accepted (the issuer's always among them). */
    origins: string[];
  };
  /** One-time codes sent by email and SMS. */
  codes: {
    /** Digits, 6 to 10. */
    length: number;
    /** Seconds a code stays valid, at most 600. */
    ttl: number;
    /** Codes sent to one user per send window. */
    sendsPerUser: number;
    /** Codes sent to one address or number per send window. */
    sendsPerDestination: number;
    sendWindowSeconds: number;
  };
  email: {
    /** The From header. */
    from: string;
    /** SMTP server; `null` when email is not configured. */
    smtp: { host: string; port: number; secure: boolean; requireTls: boolean; user: string | null; password: string | null } | null;
  };
  /** The SMS webhook; `null` when SMS is not configured. */
  sms: { webhookUrl: string; webhookSecret: string } | null;
  /** Development outbox: codes also go to `/dev/outbox` and the log. */
  outbox: boolean;
  /** Absolute path of the file that was read, or `null`. */
  configFile: string | null;
  /** The policy as loaded at start-up; the server may reload it from `configFile`. */
  policy: CompiledPolicy;
  /** Risk signals: weights, thresholds, lists, GeoIP. */
  risk: RiskConfig;
  /** The decision API: challenge and receipt lifetimes. */
  decisions: DecisionsConfig;
  /** RFC 9396 types that step-ups can be bound to (`authorization_details`). */
  authorizationDetails: AuthorizationDetailsConfig;
  /** Where the audit log is streamed (`audit`). */
  audit: AuditConfig;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const DURATION_EXPECTATION = 'must be a positive whole number of seconds or a duration such as "30d", "24h", "90m" or "45s"';

function durationSeconds(value: unknown): number | undefined {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string') {
    const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(value);
    if (match) seconds = Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
  }
  return seconds !== undefined && Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * Reads a duration setting.
 *
 * @param value - seconds, or a string: a number followed by `s`, `m`, `h` or `d` (a bare number is seconds)
 * @param key - the setting, named in the error
 * @returns whole seconds, always positive
 * @throws {@link ConfigError} for anything else
 * @example
 * ```ts
 * parseDuration('14d', 'tokens.refresh_token_ttl'); // 1209600
 * parseDuration(600, 'tokens.access_token_ttl');    // 600
 * ```
 */
export function parseDuration(value: string | number, key: string): number {
  const seconds = durationSeconds(value);
  if (seconds === undefined) throw new ConfigError(key, `${DURATION_EXPECTATION}, got ${describeValue(value)}`);
  return seconds;
}

/**
 * A short, log-safe description of a refused value: strings quoted and cut,
 * structures named rather than dumped.
 *
 * @param value - what the configuration held
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

// Each rule gives one reason whatever check failed, so operators read
// "must be an integer between 1 and 65535, got "abc"" rather than zod's
// type vocabulary. Values that may hold credentials pass a `describe` that
// hides them, or `null` to leave the value out of the message.
function rule<T>(expectation: string, test: (value: unknown) => boolean, describe: ((value: unknown) => string) | null = describeValue) {
  return z.custom<T>(test, {
    error: (issue) => {
      if (issue.input === undefined) return 'is required';
      return describe ? `${expectation}, got ${describe(issue.input)}` : expectation;
    },
  });
}

const integer = (min: number, max: number, why = '') =>
  rule<number>(
    `must be an integer between ${min} and ${max}${why}`,
    (value) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
  );

const text = (expectation = 'must be a non-empty string') =>
  rule<string>(expectation, (value) => typeof value === 'string' && value.trim() !== '');

const boolean = () => rule<boolean>('must be true or false', (value) => typeof value === 'boolean');

const oneOf = <const T extends readonly string[]>(values: T) =>
  rule<T[number]>(`must be one of ${values.map((value) => `"${value}"`).join(', ')}`, (value) =>
    values.includes(value as string),
  );

const duration = () =>
  rule<number | string>(DURATION_EXPECTATION, (value) => durationSeconds(value) !== undefined).transform(
    (value) => durationSeconds(value) as number,
  );

function issuerUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || /[?#]/.test(value) || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // Credentials in an issuer would be published in discovery.
  if (url.username || url.password) return undefined;
  return url;
}

const issuer = () =>
  rule<string>(
    'must be an http(s) URL without credentials, query or fragment',
    (value) => issuerUrl(value) !== undefined,
    (value) => describeValue(typeof value === 'string' ? value.replace(/\/\/[^/?#]*@/, '//***@') : value),
  )
    .transform((value) => (issuerUrl(value) as URL).href.replace(/\/+$/, ''));

// A resource indicator is an absolute URI without a fragment (RFC 8707 section 2).
const resourceUri = () =>
  rule<string>(
    'must be an absolute http(s) URL without a fragment',
    (value) => typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && !value.includes('#'),
  );

const hostName = () =>
  rule<string>('must be a host name such as "example.com"', (value) => typeof value === 'string' && /^[A-Za-z0-9.-]{1,253}$/.test(value));

const originUrl = () =>
  rule<string>(
    'must be an origin such as "https://login.example.com" (scheme, host and optional port, nothing else)',
    (value) => typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).origin === value.replace(/\/$/, ''),
  ).transform((value) => new URL(value).origin);

const secret = (minLength: number) =>
  rule<string>(`must be a string of at least ${minLength} characters`, (value) => typeof value === 'string' && value.length >= minLength, null);

const databaseUrl = () =>
  rule<string>(
    'must start with "sqlite:", "postgres://" or "postgresql://"',
    (value) => typeof value === 'string' && /^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(value),
    null,
  );

// Strict: a misspelt key is an error rather than a silently ignored setting.
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) => (issue.input === undefined ? 'is required' : `must be a mapping of settings, got ${describeValue(issue.input)}`),
  });

const levelSchema = section({
  name: text(),
  rank: integer(-1_000_000, 1_000_000),
  lifetime: duration(),
  criteria: section({
    factors: integer(1, 3),
    phishing_resistant: boolean().optional(),
    hardware_bound: boolean().optional(),
  }),
  description: rule<string>('must be a string', (value) => typeof value === 'string').optional(),
});

/** The shape of `stepwise.yaml`. */
export const rawConfigSchema = section({
  issuer: issuer().optional(),
  host: text().optional(),
  port: integer(0, 65535).optional(),
  data_dir: text().optional(),
  database_url: databaseUrl().optional(),
  log_level: oneOf(LOG_LEVELS).optional(),
  demo: boolean().optional(),
  demo_bank_url: issuer().optional(),
  secret_keys: text('must be a string "<id>:<base64>,…"').optional(),
  cookies: section({ secure: boolean().optional() }).optional(),
  trust_proxy: trustProxySchema.optional(),
  resources: z
    .array(resourceUri(), { error: (issue) => `must be a list of URLs, got ${describeValue(issue.input)}` })
    .optional(),
  levels: z
    .array(levelSchema, { error: (issue) => `must be a list of levels, got ${describeValue(issue.input)}` })
    .min(1, { error: 'must list at least one level' })
    .optional(),
  tokens: section({
    access_token_ttl: duration().optional(),
    id_token_ttl: duration().optional(),
    refresh_token_ttl: duration().optional(),
    session_ttl: duration().optional(),
  }).optional(),
  step_up: section({
    when_unenrolled: oneOf(['enroll', 'fail'] as const).optional(),
    // PSD2 RTS article 4(3)(b): no more than five consecutive failures.
    max_attempts_per_challenge: integer(1, 5, ' (PSD2 allows at most 5)').optional(),
  }).optional(),
  lockout: section({
    account_max_failures: integer(1, 1_000).optional(),
    window: duration().optional(),
    ip_max_failures: integer(1, 1_000_000).optional(),
  }).optional(),
  webauthn: section({
    rp_id: hostName().optional(),
    rp_name: text().optional(),
    origins: z
      .array(originUrl(), { error: (issue) => `must be a list of origins, got ${describeValue(issue.input)}` })
      .min(1, { error: 'must list at least one origin' })
      .optional(),
  }).optional(),
  codes: section({
    length: integer(6, 10).optional(),
    // OWASP ASVS 5 and DESIGN.md: emailed and texted codes live at most 10 minutes.
    ttl: duration().refine((seconds) => seconds <= 600, { error: 'must be at most 10 minutes' }).optional(),
    sends_per_user: integer(1, 1_000).optional(),
    sends_per_destination: integer(1, 1_000).optional(),
    send_window: duration().optional(),
  }).optional(),
  email: section({
    from: text().optional(),
    smtp: section({
      host: hostName(),
      port: integer(1, 65535).optional(),
      // true: TLS from the first byte (port 465); false: STARTTLS when offered.
      secure: boolean().optional(),
      // Refuse to send when the server does not offer STARTTLS.
      require_tls: boolean().optional(),
      user: text().optional(),
      password: secret(1).optional(),
    }).optional(),
  }).optional(),
  sms: section({
    webhook_url: resourceUri(),
    webhook_secret: secret(32),
  }).optional(),
  outbox: boolean().optional(),
  // Checked by readPolicy (config/policy-load.ts), which also compiles the conditions.
  policy: z.unknown().optional(),
  risk: riskSchema.optional(),
  decisions: decisionsSchema.optional(),
  authorization_details: authorizationDetailsSchema.optional(),
  audit: auditSchema.optional(),
});

/** `stepwise.yaml` as written: snake_case keys, durations as seconds or strings. */
export type StepwiseYaml = z.input<typeof rawConfigSchema>;

/** `stepwise.yaml` after validation: durations in seconds, issuer normalised. */
export type ParsedStepwiseYaml = z.output<typeof rawConfigSchema>;

/**
 * The keys allowed at a path of the YAML tree, to suggest the right one for
 * a typo.
 *
 * @param path - the parent path of the unknown key (list indices included)
 */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = rawConfigSchema;
  for (const step of [...path, null]) {
    for (;;) {
      if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
      else if (schema instanceof z.ZodArray && typeof step === 'number') schema = schema.element as z.ZodType;
      else break;
    }
    if (step === null || typeof step === 'number') continue;
    if (!(schema instanceof z.ZodObject)) return [];
    const next = (schema.shape as Record<string, z.ZodType | undefined>)[String(step)];
    if (!next) return [];
    schema = next;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
