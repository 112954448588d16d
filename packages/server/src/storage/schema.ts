/**
 * Row shapes of every table, as Kysely sees them. Columns are snake_case;
 * repositories map rows to the camelCase records the rest of the server uses.
 *
 * Types are what both drivers return: seconds-since-epoch columns are
 * `bigint` in SQL but JS numbers here (PostgreSQL's int8 parser is replaced
 * in `database.ts`), booleans are 0/1 integers, JSON is text.
 */

/** `users`: one row per account; `username` holds the normalized name. */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  password_hash: string | null;
  disabled: number;
  created_at: number;
  /** E.164 phone number, for display; sms_otp factors keep their own. */
  phone: string | null;
  /** The step-up method the user chose last; offered first next time. */
  preferred_method: string | null;
}

/** `factors`: every second factor of every user, whatever its method. */
export interface FactorsTable {
  id: string;
  user_id: string;
  method: string;
  name: string;
  secret: string | null;
  last_used_step: number | null;
  confirmed_at: number | null;
  created_at: number;
  last_used_at: number | null;
  /** Email address or phone number an email_otp / sms_otp factor sends to. */
  destination: string | null;
}

/** `sessions`: first-party browser sessions; `id` is sha256(token) in hex. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  /** Last `auth_events.seq` handed out; gives insertion order without auto-increment. */
  event_count: number;
}

/** `auth_events`: the authentication events a session holds. */
export interface AuthEventsTable {
  session_id: string;
  seq: number;
  user_id: string;
  method: string;
  at: number;
  authenticator_id: string | null;
  user_verified: number | null;
  backed_up: number | null;
}

/** `attempts`: failure counters in fixed windows, keyed by the caller. */
export interface AttemptsTable {
  key: string;
  failures: number;
  window_start: number;
}

/** `signing_keys`: token signing keys; the private half is encrypted text. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
  /** From when the key may sign (migration 0007; `null` only on rows it has not backfilled). */
  activates_at: number | null;
  /** The latest time a node reported signing with the key. */
  last_signed_at: number | null;
}

/** `clients`: OpenID Connect client registrations, metadata as JSON text. */
export interface ClientsTable {
  client_id: string;
  metadata: string;
  created_at: number;
}

/** `oidc_models`: everything oidc-provider persists, except clients. */
export interface OidcModelsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/** `webauthn_credentials`: what a `webauthn` factor needs to verify assertions. */
export interface WebauthnCredentialsTable {
  factor_id: string;
  user_id: string;
  /** base64url credential id, as the browser reports it. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  /** Signature counter last seen; 0 for authenticators that keep none. */
  counter: number;
  /** JSON list of transports (`usb`, `internal`, `hybrid`, …). */
  transports: string;
  aaguid: string;
  /** `singleDevice` or `multiDevice` (may be synced). */
  device_type: string;
  backup_eligible: number;
  backed_up: number;
  /** User verification happened at registration. */
  user_verified: number;
  /** A discoverable (resident) credential: usable for passkey sign-in. */
  discoverable: number;
}

/** `ceremonies`: a WebAuthn challenge, valid for one use until it expires. */
export interface CeremoniesTable {
  id: string;
  /** Null for passkey sign-in, where the user is not known yet. */
  user_id: string | null;
  /** `register`, `authenticate` or `sign-in`. */
  purpose: string;
  challenge: string;
  expires_at: number;
  consumed_at: number | null;
}

/** `one_time_codes`: codes sent by email or SMS, stored hashed, bound to one step-up. */
export interface OneTimeCodesTable {
  id: string;
  user_id: string;
  factor_id: string;
  /** The step-up (interaction, account step-up, enrollment) the code answers. */
  challenge_key: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** `recovery_codes`: a `recovery_code` factor's ten codes, hashed, each usable once. */
export interface RecoveryCodesTable {
  factor_id: string;
  seq: number;
  code_hash: string;
  used_at: number | null;
}

/** `outbox`: messages kept for the development outbox page. */
export interface OutboxTable {
  id: string;
  /** `email` or `sms`. */
  channel: string;
  destination: string;
  subject: string;
  body: string;
  created_at: number;
}

/** The whole database, for `Kysely<DatabaseSchema>`. */
export interface DatabaseSchema {
  users: UsersTable;
  factors: FactorsTable;
  sessions: SessionsTable;
  auth_events: AuthEventsTable;
  attempts: AttemptsTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  oidc_models: OidcModelsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  ceremonies: CeremoniesTable;
  one_time_codes: OneTimeCodesTable;
  recovery_codes: RecoveryCodesTable;
  outbox: OutboxTable;
  api_keys: ApiKeysTable;
  decisions: DecisionsTable;
  challenges: ChallengesTable;
  sign_in_history: SignInHistoryTable;
  known_devices: KnownDevicesTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_cursors: AuditCursorsTable;
  admins: AdminsTable;
  rate_limits: RateLimitsTable;
}

/** `rate_limits`: HTTP request counters in fixed windows, shared by every node. */
export interface RateLimitsTable {
  /** The route and the caller, e.g. `POST /interaction/:uid/password 203.0.113.7`. */
  key: string;
  hits: number;
  /** When the window ends, epoch milliseconds. */
  resets_at: number;
}

/** `admins`: users who may use the admin console. */
export interface AdminsTable {
  user_id: string;
  granted_at: number;
  granted_by: string;
}

/** `audit_events`: the hash-chained audit log (JSON columns as text; `at` in epoch ms). */
export interface AuditEventsTable {
  seq: number;
  type: string;
  at: number;
  actor: string | null;
  subject: string | null;
  client: string | null;
  ip: string | null;
  device: string | null;
  requirement: string | null;
  rules: string | null;
  signals: string | null;
  outcome: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** `audit_head`: one row (`id` 1), the last appended `seq` and `hash`. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** `audit_cursors`: how far each consumer (the webhook) has delivered, and which node delivers until when. */
export interface AuditCursorsTable {
  name: string;
  seq: number;
  updated_at: number;
  lease_owner: string | null;
  lease_until: number | null;
}

/** `api_keys`: callers of the decision API; `secret_hash` is sha256 of the key's secret part. */
export interface ApiKeysTable {
  id: string;
  name: string;
  secret_hash: string;
  /** JSON list of URLs the hosted challenge page may return to. */
  return_to: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** `decisions`: every answer of the decision API, with its reasons (JSON columns). */
export interface DecisionsTable {
  id: string;
  api_key_id: string | null;
  subject: string;
  action: string;
  outcome: string;
  requirement: string;
  reasons: string;
  risk: string;
  input: string;
  created_at: number;
}

/** `challenges`: step-ups the decision API asked for. */
export interface ChallengesTable {
  id: string;
  decision_id: string;
  api_key_id: string;
  user_id: string;
  action: string;
  requirement: string;
  return_to: string | null;
  state: string;
  created_at: number;
  expires_at: number;
  satisfied_at: number | null;
  proof: string | null;
  prior_events: string;
  receipt: string | null;
  receipt_jti: string | null;
  /** JSON: the RFC 9396 details the challenge is bound to, as given (migration 0004). */
  authorization_details: string | null;
}

/** `sign_in_history`: where and when each user signed in, for risk signals. */
export interface SignInHistoryTable {
  id: string;
  user_id: string;
  at: number;
  ip: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  device_id: string | null;
}

/** `known_devices`: device cookies each user has signed in from. */
export interface KnownDevicesTable {
  user_id: string;
  device_id: string;
  first_seen_at: number;
  last_seen_at: number;
}
