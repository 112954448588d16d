// Configuration. An operator's typo or bad value must stop the server with
// an error naming the exact key (or environment variable) and saying what
// is expected, never be silently ignored or replaced by a default.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ConfigError} from '@stepwise/core';
import { DEFAULT_DETAIL_TYPES, DEFAULT_LEVELS } from '@stepwise/core';
import { loadConfig, parseDuration } from '../src/config/load.js';
import { DEFAULT_DECISIONS, DEFAULT_RISK } from '../src/config/policy-schema.js';
import { formatSecretKeys, generateSecretKey } from '../src/crypto/secret-box.js';
import { assertConfigError, folderWith, load } from './support/config-kit.js';

void describe('loadConfig', () => {
  void test('defaults without a file', () => {
    const cwd = folderWith();
    const { policy, ...config } = loadConfig({ cwd, env: {} });
    assert.deepEqual(policy.definition, { default: { acr: 'aal1' }, rules: [] });
    assert.deepEqual(config, {
      issuer: 'http://localhost:3000',
      host: '127.0.0.1',
      port: 3000,
      dataDir: join(cwd, 'data'),
      databaseUrl: `sqlite:${join(cwd, 'data', 'stepwise.db')}`,
      logLevel: 'info',
      demo: false,
      demoBankUrl: 'http://localhost:3001',
      resources: [],
      secretKeys: null,
      cookieSecure: true,
      trustProxy: false,
      levels: [...DEFAULT_LEVELS],
      tokens: { accessTokenTtl: 600, idTokenTtl: 600, refreshTokenTtl: 14 * 86_400, sessionTtl: 30 * 86_400 },
      stepUp: { whenUnenrolled: 'enroll', maxAttemptsPerChallenge: 5, accountMaxFailures: 10, accountWindowSeconds: 900, ipMaxFailures: 50 },
      webauthn: { rpId: 'localhost', rpName: 'Stepwise', origins: ['http://localhost:3000'] },
      codes: { length: 6, ttl: 600, sendsPerUser: 5, sendsPerDestination: 3, sendWindowSeconds: 900 },
      email: { from: 'Stepwise <no-reply@localhost>', smtp: null },
      sms: null,
      outbox: false,
      configFile: null,
      risk: DEFAULT_RISK,
      decisions: DEFAULT_DECISIONS,
      authorizationDetails: { types: DEFAULT_DETAIL_TYPES },
      audit: { webhook: null },
    });
  });

  void test('reads ./stepwise.yaml; paths in the file are relative to it', () => {
    const cwd = folderWith();
    mkdirSync(join(cwd, 'etc'));
    writeFileSync(
      join(cwd, 'etc', 'stepwise.yaml'),
      [
        'issuer: https://auth.example.com/',
        'port: 8443',
        'data_dir: ../var',
        'log_level: debug',
        'demo: true',
        'cookies:',
        '  secure: false',
        'tokens:',
        '  access_token_ttl: 5m',
        '  refresh_token_ttl: 7d',
        'step_up: { when_unenrolled: fail, max_attempts_per_challenge: 3 }',
        'lockout: { window: 1h, account_max_failures: 20, ip_max_failures: 100 }',
        'host:',
      ].join('\n'),
    );
    const config = loadConfig({ cwd, env: { STEPWISE_CONFIG: 'etc/stepwise.yaml' } });
    assert.equal(config.configFile, join(cwd, 'etc', 'stepwise.yaml'));
    assert.equal(config.issuer, 'https://auth.example.com');
    assert.equal(config.port, 8443);
    assert.equal(config.host, '127.0.0.1', 'an empty key takes its default');
    assert.equal(config.dataDir, join(cwd, 'var'));
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.demo, true);
    assert.equal(config.cookieSecure, false);
    assert.deepEqual(config.tokens, { accessTokenTtl: 300, idTokenTtl: 600, refreshTokenTtl: 604_800, sessionTtl: 2_592_000 });
    assert.deepEqual(config.stepUp, { whenUnenrolled: 'fail', maxAttemptsPerChallenge: 3, accountMaxFailures: 20, accountWindowSeconds: 3600, ipMaxFailures: 100 });
  });

  void test('environment wins over the file, overrides over both', () => {
    const keys = [generateSecretKey('k1')];
    const env = {
      STEPWISE_PORT: '4000',
      STEPWISE_HOST: '0.0.0.0',
      STEPWISE_DEMO: '1',
      STEPWISE_DATA_DIR: 'env-data',
      STEPWISE_SECRET_KEYS: formatSecretKeys(keys),
      STEPWISE_LOG_LEVEL: '',
    };
    const cwd = folderWith('port: 5000\nhost: ::1\ndemo: false\nlog_level: warn\ndata_dir: file-data\n');
    const config = loadConfig({ cwd, env });
    assert.equal(config.port, 4000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.demo, true);
    assert.equal(config.logLevel, 'warn', 'an empty variable is unset');
    assert.equal(config.dataDir, join(cwd, 'env-data'));
    assert.equal(config.issuer, 'http://localhost:4000');
    assert.deepEqual(config.secretKeys?.map((key) => key.id), ['k1']);
    assert.equal(loadConfig({ cwd, env, overrides: { port: 0, tokens: { session_ttl: '1d' } } }).port, 0);
  });

  void test('cookies are Secure for https and localhost, not for other http hosts', () => {
    assert.equal(load('issuer: https://id.example.com').cookieSecure, true);
    assert.equal(load('issuer: http://localhost:9000').cookieSecure, true);
    assert.equal(load('issuer: http://10.0.0.5:3000').cookieSecure, false);
  });

  void test('levels: durations, snake_case criteria, LevelSet checks', () => {
    const config = load(
      'levels:\n' +
        '  - { name: basic, rank: 1, lifetime: 30d, criteria: { factors: 1 } }\n' +
        '  - { name: strong, rank: 2, lifetime: 3600, criteria: { factors: 2, phishing_resistant: true }, description: Keys }\n',
    );
    assert.deepEqual(config.levels, [
      { name: 'basic', rank: 1, lifetime: 2_592_000, criteria: { factors: 1 } },
      { name: 'strong', rank: 2, lifetime: 3600, criteria: { factors: 2, phishingResistant: true }, description: 'Keys' },
    ]);
    assertConfigError(
      () => load('levels:\n  - { name: a, rank: 1, lifetime: 1h, criteria: { factors: 1 } }\n  - { name: b, rank: 1, lifetime: 1h, criteria: { factors: 2 } }\n'),
      'levels',
      /rank 1 is used by two levels/,
    );
    assertConfigError(() => load('levels: []'), 'levels', /at least one level/);
    assertConfigError(() => load('levels:\n  - { name: a, lifetime: 1h, criteria: { factors: 1 } }\n'), 'levels[0].rank', /is required/);
  });

  void test('each bad value is named by its key with what was expected', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['port: abc', 'port', /must be an integer between 0 and 65535, got "abc"/],
      ['port: 70000', 'port', /got 70000/],
      ['issuer: ftp://example.com', 'issuer', /http\(s\) URL/],
      ['issuer: https://example.com/?x=1', 'issuer', /without credentials, query or fragment/],
      ['log_level: loud', 'log_level', /must be one of "fatal", .*got "loud"/],
      ['demo: yes', 'demo', /must be true or false, got "yes"/],
      ['tokens:\n  access_token_ttl: 10 minutes', 'tokens.access_token_ttl', /duration such as "30d".*got "10 minutes"/],
      ['tokens:\n  id_token_ttl: 0', 'tokens.id_token_ttl', /positive/],
      ['step_up:\n  max_attempts_per_challenge: 10', 'step_up.max_attempts_per_challenge', /between 1 and 5 \(PSD2/],
      ['step_up:\n  when_unenrolled: ask', 'step_up.when_unenrolled', /"enroll", "fail"/],
      ['lockout:\n  window: -5', 'lockout.window', /got -5/],
      ['tokens: 600', 'tokens', /must be a mapping of settings, got 600/],
      ['secret_keys: "k1:c2hvcnQ="', 'secret_keys', /key "k1" must be 32 bytes/],
    ];
    for (const [yaml, key, reason] of cases) assertConfigError(() => load(yaml), key, reason);
  });

  void test('file errors carry the line; credentials in URLs are not echoed', () => {
    assertConfigError(() => load('host: a\n\nport: abc\n'), 'port', /stepwise\.yaml, line 3\)/);
    assert.throws(
      () => load('database_url: mysql://root:hunter2@db/stepwise'),
      (error: ConfigError) => error.key === 'database_url' && !error.message.includes('hunter2'),
    );
    assert.throws(
      () => load('issuer: https://admin:hunter2@id.example.com'),
      (error: ConfigError) => error.key === 'issuer' && /got "https:\/\/\*\*\*@id\.example\.com"/.test(error.message),
    );
  });

  void test('bad environment values are named by the variable', () => {
    assertConfigError(() => load(undefined, { STEPWISE_PORT: 'abc' }), 'STEPWISE_PORT', /between 0 and 65535, got "abc"/);
    assertConfigError(() => load(undefined, { STEPWISE_DEMO: 'yes' }), 'STEPWISE_DEMO', /"true", "false", "1" or "0"/);
    // A bad file value is reported even while a variable hides it.
    assertConfigError(() => load('port: abc', { STEPWISE_PORT: '80' }), 'port', /got "abc"/);
    assertConfigError(() => load(undefined, { STEPWISE_SECRET_KEYS: 'k1:AAAA' }), 'STEPWISE_SECRET_KEYS', /^configuration STEPWISE_SECRET_KEYS: key "k1" must be 32 bytes/);
  });

  void test('resources: listed APIs from the file or a comma list in the environment; demo adds the bank API', () => {
    assert.deepEqual(load('resources:\n  - https://api.example.com/\n').resources, ['https://api.example.com/']);
    assert.deepEqual(load(undefined, { STEPWISE_RESOURCES: 'https://a.example/, https://b.example/v1' }).resources, [
      'https://a.example/',
      'https://b.example/v1',
    ]);
    const demo = load(undefined, { STEPWISE_DEMO: 'true', STEPWISE_DEMO_BANK_URL: 'http://localhost:4001/' });
    assert.equal(demo.demoBankUrl, 'http://localhost:4001');
    assert.deepEqual(demo.resources, ['http://localhost:4001/api']);
    assertConfigError(() => load('resources: ["ftp://files.example"]\n'), 'resources[0]', /absolute http\(s\) URL/);
    assertConfigError(() => load('resources: https://api.example\n'), 'resources', /must be a list of URLs/);
  });

  void test('unknown keys are refused, with a suggestion', () => {
    assertConfigError(() => load('prot: 3000'), 'prot', /not a known setting \(did you mean "port"\?\)/);
    assertConfigError(() => load('tokens:\n  accessTokenTtl: 60'), 'tokens.accessTokenTtl', /did you mean "tokens\.access_token_ttl"/);
    assertConfigError(() => load('levels:\n  - { name: a, rank: 1, lifetime: 1h, criteria: { factors: 1, phishing: true } }'), 'levels[0].criteria.phishing', /not a known setting/);
    assertConfigError(() => load('colour: blue'), 'colour', /^configuration colour: is not a known setting \(\S+stepwise\.yaml, line 1\)$/);
  });

  void test('YAML that does not parse names the file and the line', () => {
    const cwd = folderWith('host: a\nport: 3000\ntokens: [1,\n');
    const file = join(cwd, 'stepwise.yaml');
    assertConfigError(() => loadConfig({ cwd, env: {} }), file, /line 4: /);
    writeFileSync(file, 'host: a\nhost: b\n');
    assertConfigError(() => loadConfig({ cwd, env: {} }), file, /line 2: Map keys must be unique/);
    writeFileSync(file, '- a\n- b\n');
    assertConfigError(() => loadConfig({ cwd, env: {} }), file, /must be a mapping of settings, got a list/);
  });

  void test('an explicit file that is missing is an error; file: null reads none', () => {
    const cwd = folderWith('port: 1234');
    assertConfigError(() => loadConfig({ cwd, env: {}, file: 'nope.yaml' }), join(cwd, 'nope.yaml'), /cannot be read \(ENOENT\)/);
    assert.equal(loadConfig({ cwd, env: {}, file: null }).port, 3000);
    assert.equal(loadConfig({ cwd, env: {} }).port, 1234);
  });
});

void describe('parseDuration', () => {
  void test('seconds and unit strings', () => {
    assert.equal(parseDuration(45, 'k'), 45);
    assert.equal(parseDuration('45', 'k'), 45);
    assert.equal(parseDuration('45s', 'k'), 45);
    assert.equal(parseDuration('90m', 'k'), 5400);
    assert.equal(parseDuration('24h', 'k'), 86_400);
    assert.equal(parseDuration('30d', 'k'), 2_592_000);
  });

  void test('refuses zero, negatives, fractions, other units', () => {
    for (const bad of [0, -1, 1.5, '', '0s', '1.5h', '2w', 'h', '1 hour', Number.NaN, 1e300]) {
      assertConfigError(() => parseDuration(bad, 'tokens.session_ttl'), 'tokens.session_ttl', /positive whole number of seconds/);
    }
  });
});
