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
}
