// The ~20-rule policy both new benchmarks use, as an operator would write it
// in stepwise.yaml, each rule beside the same condition hand-coded in
// JavaScript (the floor the policy benchmark measures CEL against), and a
// mix of realistic inputs for it. Requirements are in core's shape
// (`maxAge`); `toYamlPolicy` gives the `policy:` section's shape (`max_age`).

const NIGHT = 'has(context.hour) && (context.hour < 6 || context.hour >= 23)';

/** What no rule matches: any one method. */
export const POLICY_DEFAULT = Object.freeze({ acr: 'aal1' });

/**
 * The rules: `when` is CEL, `js` the same condition over the same bindings.
 * `has()` guards every optional field, so no input makes a rule fail.
 */
export const RULES = [
  {
    name: 'transfer-any',
    when: 'action == "transfer.create"',
    js: (b) => b.action === 'transfer.create',
    require: { acr: 'aal1' },
  },
  {
    name: 'transfer-medium',
    when: 'action == "transfer.create" && has(resource.amount) && resource.amount > 100 && resource.amount <= 1000',
    js: (b) => b.action === 'transfer.create' && 'amount' in b.resource && b.resource.amount > 100 && b.resource.amount <= 1000,
    require: { acr: 'aal2', maxAge: 900 },
  },
  {
    name: 'transfer-large',
    when: 'action == "transfer.create" && has(resource.amount) && resource.amount > 1000 && resource.amount <= 10000',
    js: (b) => b.action === 'transfer.create' && 'amount' in b.resource && b.resource.amount > 1000 && b.resource.amount <= 10000,
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'transfer-very-large',
    when: 'action == "transfer.create" && has(resource.amount) && resource.amount > 10000',
    js: (b) => b.action === 'transfer.create' && 'amount' in b.resource && b.resource.amount > 10000,
    require: { acr: 'aal3', maxAge: 300, methods: ['phishing_resistant'] },
  },
  {
    name: 'transfer-new-payee',
    when: 'action == "transfer.create" && has(resource.new_payee) && resource.new_payee == true',
    js: (b) => b.action === 'transfer.create' && 'new_payee' in b.resource && b.resource.new_payee === true,
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'transfer-foreign-currency',
    when: 'action == "transfer.create" && has(resource.currency) && !(resource.currency in ["EUR", "USD", "GBP"])',
    js: (b) => b.action === 'transfer.create' && 'currency' in b.resource && !['EUR', 'USD', 'GBP'].includes(b.resource.currency),
    require: { acr: 'aal2', maxAge: 600 },
  },
  {
    name: 'transfer-abroad',
    when: 'action == "transfer.create" && has(context.country) && has(subject.country) && context.country != subject.country',
    js: (b) => b.action === 'transfer.create' && 'country' in b.context && 'country' in b.subject && b.context.country !== b.subject.country,
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'account-change',
    when: 'action.startsWith("account.")',
    js: (b) => b.action.startsWith('account.'),
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'account-recovery-details',
    when: 'action in ["account.email.change", "account.phone.change", "account.recovery.reset"]',
    js: (b) => ['account.email.change', 'account.phone.change', 'account.recovery.reset'].includes(b.action),
    require: { acr: 'aal2', maxAge: 120 },
  },
  {
    name: 'account-close',
    when: 'action == "account.close"',
    js: (b) => b.action === 'account.close',
    require: { acr: 'aal3', maxAge: 300 },
  },
  {
    name: 'admin-any',
    when: 'action.startsWith("admin.")',
    js: (b) => b.action.startsWith('admin.'),
    require: { acr: 'aal2', maxAge: 600 },
  },
  {
    name: 'admin-destructive',
    when: 'action in ["admin.user.delete", "admin.policy.update", "admin.key.create"]',
    js: (b) => ['admin.user.delete', 'admin.policy.update', 'admin.key.create'].includes(b.action),
    require: { acr: 'aal3', maxAge: 300, methods: ['phishing_resistant'] },
  },
  {
    name: 'admin-high-risk',
    when: 'action.startsWith("admin.") && risk.level == "high"',
    js: (b) => b.action.startsWith('admin.') && b.risk.level === 'high',
    deny: true,
  },
  {
    name: 'risk-high',
    when: 'risk.level == "high"',
    js: (b) => b.risk.level === 'high',
    require: { acr: 'aal2', maxAge: 0 },
  },
  {
    name: 'risk-medium',
    when: 'risk.level == "medium"',
    js: (b) => b.risk.level === 'medium',
    require: { acr: 'aal2', maxAge: 600 },
  },
  {
    name: 'untrusted-ip',
    when: '"untrusted_ip" in risk.codes',
    js: (b) => b.risk.codes.includes('untrusted_ip'),
    deny: true,
  },
  {
    name: 'embargoed-country',
    when: 'has(context.country) && context.country in ["KP", "IR", "SY", "CU"]',
    js: (b) => 'country' in b.context && ['KP', 'IR', 'SY', 'CU'].includes(b.context.country),
    deny: true,
  },
  {
    name: 'night-sensitive',
    when: `${NIGHT} && action != "login"`,
    js: (b) => 'hour' in b.context && (b.context.hour < 6 || b.context.hour >= 23) && b.action !== 'login',
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'production-deploy',
    when: 'action == "deploy.create" && has(resource.environment) && resource.environment == "production"',
    js: (b) => b.action === 'deploy.create' && 'environment' in b.resource && b.resource.environment === 'production',
    require: { acr: 'aal2', maxAge: 300 },
  },
  {
    name: 'bulk-export',
    when: 'action == "data.export" && has(resource.records) && resource.records > 1000',
    js: (b) => b.action === 'data.export' && 'records' in b.resource && b.resource.records > 1000,
    require: { acr: 'aal2', maxAge: 300 },
  },
];

/** The policy for core's `compilePolicy`. */
export function policyDefinition() {
  return {
    default: POLICY_DEFAULT,
    rules: RULES.map(({ name, when, require, deny }) => ({ name, when, ...(require ? { require } : {}), ...(deny ? { deny } : {}) })),
  };
}

const yamlRequirement = ({ acr, maxAge, methods }) => ({ acr, ...(maxAge === undefined ? {} : { max_age: maxAge }), ...(methods ? { methods } : {}) });

/** The same policy as stepwise.yaml's `policy:` section. */
export function toYamlPolicy() {
  return {
    default: yamlRequirement(POLICY_DEFAULT),
    rules: RULES.map(({ name, when, require, deny }) => ({ name, when, ...(require ? { require: yamlRequirement(require) } : {}), ...(deny ? { deny } : {}) })),
  };
}

const LOW = { score: 0, level: 'low', codes: [] };
const MEDIUM = { score: 40, level: 'medium', codes: ['new_device', 'unusual_hour'] };
const HIGH = { score: 60, level: 'high', codes: ['impossible_travel'] };
const UNTRUSTED = { score: 60, level: 'high', codes: ['untrusted_ip'] };
const ALICE = { id: 'user-1', country: 'DE' };
const SESSION = { acr: 'aal1', amr: ['pwd'], auth_time: 1_800_000_000 };
const HOME = { ip: '203.0.113.7', user_agent: 'bench', device_id: 'dev-1', country: 'DE', hour: 14 };

const input = (action, resource, { risk = LOW, context = HOME, subject = ALICE, session = SESSION } = {}) => ({ action, resource, subject, context, risk, session });

/**
 * Inputs the evaluation cycles through: the everyday ones most often
 * (small transfers, low risk), then every band, the account and admin
 * actions, each risk level, and the deny rules.
 */
export const INPUTS = [
  input('transfer.create', { amount: 50, currency: 'EUR', payee: 'ACME' }),
  input('transfer.create', { amount: 20, currency: 'EUR', payee: 'Bakery' }),
  input('transfer.create', { amount: 450, currency: 'EUR', payee: 'Landlord' }),
  input('transfer.create', { amount: 2_500, currency: 'USD', payee: 'Car dealer', new_payee: true }),
  input('transfer.create', { amount: 25_000, currency: 'CHF', payee: 'Notary' }),
  input('transfer.create', { amount: 80, currency: 'EUR', payee: 'ACME' }, { context: { ...HOME, country: 'FR', hour: 3 } }),
  input('transfer.create', { amount: 50, currency: 'EUR', payee: 'ACME' }, { risk: MEDIUM }),
  input('account.email.change', { field: 'email' }),
  input('account.close', {}),
  input('admin.user.delete', { user: 'user-9' }),
  input('admin.settings.read', {}, { risk: HIGH }),
  input('login', { client: 'bank' }, { risk: HIGH, context: { ip: '203.0.113.7' } }),
  input('transfer.create', { amount: 50, currency: 'EUR', payee: 'ACME' }, { risk: UNTRUSTED }),
  input('deploy.create', { environment: 'production', service: 'api' }),
  input('data.export', { records: 5_000 }, { context: { ...HOME, country: 'IR' } }),
  input('statement.view', { month: '2026-11' }),
];
