import { randomBytes } from 'node:crypto';
import { clients, epochSeconds, type Database } from '@stepwise/server';
import { ValidationError } from '@stepwise/core';
import { UsageError, type Output } from '../output.js';

/** Options of `stepwise clients add`. */
export interface ClientsOptions {
  readonly redirectUris: readonly string[];
  readonly name?: string | undefined;
  readonly confidential?: boolean | undefined;
  /** Refuse the client's authorization requests unless pushed (RFC 9126 PAR). */
  readonly requirePar?: boolean | undefined;
  /** `--client-credentials`: the client may get tokens of its own (no user); needs `confidential`. */
  readonly clientCredentials?: boolean | undefined;
  /** `--authorization-details-types`: comma-separated RFC 9396 types the client may bind tokens to. */
  readonly authorizationDetailsTypes?: string | undefined;
  /** The types the configuration defines (`authorization_details.types`); none means RAR is off. */
  readonly knownDetailTypes?: readonly string[] | undefined;
}

function checkRedirectUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError('redirect-uri', `"${uri}" is not an absolute URL`);
  }
  if (url.hash) throw new ValidationError('redirect-uri', 'must not have a fragment');
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ValidationError('redirect-uri', 'must be https (http only for localhost)');
  }
  return uri;
}

/**
 * The `--authorization-details-types` list, each a type the configuration
 * defines: a client limited to an unknown type could never be loaded.
 *
 * @param list - comma-separated type names
 * @param known - the configured types
 * @throws ValidationError naming the flag
 * @example
 * ```ts
 * checkDetailTypes('payment_initiation, payment_initiation', ['payment_initiation', 'stepwise_action']); // ['payment_initiation']
 * ```
 */
export function checkDetailTypes(list: string, known: readonly string[]): string[] {
  const flag = 'authorization-details-types';
  const types = [...new Set(list.split(',').map((type) => type.trim()).filter(Boolean))];
  if (types.length === 0) throw new ValidationError(flag, 'name at least one type, such as payment_initiation');
  if (known.length === 0) throw new ValidationError(flag, 'rich authorization requests are off (authorization_details.types is empty in the configuration)');
  const unknown = types.filter((type) => !known.includes(type));
  if (unknown.length > 0) throw new ValidationError(flag, `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a type' : 'are not types'} of the configuration (known: ${known.join(', ')})`);
  return types;
}

/**
 * The grants, response types and redirect URIs of a new client. A
 * `--client-credentials` client without redirect URIs is a backend that
 * signs no user in: that grant alone, no authorization endpoint.
 *
 * @param options - flags
 * @throws UsageError when the flags contradict each other
 * @example
 * ```ts
 * grantsOf({ redirectUris: [], confidential: true, clientCredentials: true });
 * // { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }
 * ```
 */
export function grantsOf(options: Pick<ClientsOptions, 'redirectUris' | 'confidential' | 'clientCredentials' | 'requirePar'>): {
  grant_types: string[]; response_types: string[]; redirect_uris: string[];
} {
  if (options.clientCredentials && !options.confidential) {
    // A public client has no secret: anyone who knows its id could take its tokens.
    throw new UsageError('--client-credentials needs --confidential: the grant is for clients that hold a secret');
  }
  if (options.redirectUris.length === 0) {
    if (!options.clientCredentials) throw new UsageError('clients add needs at least one --redirect-uri (or --confidential --client-credentials for a backend that signs no user in)');
    if (options.requirePar) throw new UsageError('--require-par needs a --redirect-uri: a client without one makes no authorization requests');
    return { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  }
  return {
    grant_types: ['authorization_code', 'refresh_token', ...(options.clientCredentials ? ['client_credentials'] : [])],
    response_types: ['code'],
    redirect_uris: options.redirectUris.map(checkRedirectUri),
  };
}

/**
 * `stepwise clients add|list`. A public client (the default) uses PKCE with
 * no secret; `--confidential` creates a secret and prints it once.
 * `--client-credentials` (confidential only) lets it get tokens of its own;
 * `--require-par` makes the client push every authorization request;
 * `--authorization-details-types` limits the transactions it may bind.
 *
 * @param database - the open database
 * @param args - sub-command and client id
 * @param options - flags
 * @param output - where to print
 */
export async function clientsCommand(database: Database, args: string[], options: ClientsOptions, output: Output): Promise<void> {
  const [action, clientId] = args;
  switch (action) {
    case 'add': {
      if (!clientId) throw new UsageError('clients add needs a client id');
      if (!/^[A-Za-z0-9._~-]{1,128}$/.test(clientId)) {
        throw new ValidationError('client_id', 'use letters, digits and . _ ~ - only (at most 128)');
      }
      const grants = grantsOf(options);
      const detailTypes = options.authorizationDetailsTypes === undefined
        ? undefined
        : checkDetailTypes(options.authorizationDetailsTypes, options.knownDetailTypes ?? []);
      const secret = options.confidential ? randomBytes(32).toString('base64url') : undefined;
      await clients.insertClient(database.db, {
        client_id: clientId,
        ...(options.name ? { client_name: options.name } : {}),
        ...grants,
        token_endpoint_auth_method: secret ? 'client_secret_basic' : 'none',
        ...(secret ? { client_secret: secret } : {}),
        ...(options.requirePar ? { require_pushed_authorization_requests: true } : {}),
        ...(detailTypes ? { authorization_details_types: detailTypes } : {}),
      }, epochSeconds());
      output.out(`created ${secret ? 'confidential' : 'public'} client ${clientId}${options.clientCredentials ? ' (client_credentials allowed)' : ''}`);
      if (secret) output.out(`client secret: ${secret}   (shown once)`);
      return;
    }
    case 'list': {
      const all = await clients.listClients(database.db);
      if (all.length === 0) output.out('no clients');
      for (const client of all) {
        const uris = (client.metadata.redirect_uris as string[] | undefined) ?? [];
        output.out(`${client.clientId}\t${String(client.metadata.token_endpoint_auth_method ?? 'none')}\t${uris.join(' ')}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown clients action "${action ?? ''}"`);
  }
}
