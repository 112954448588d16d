import * as z from 'zod';
import { DEFAULT_DETAIL_TYPES, type DetailTypeDefinition, type DetailTypes } from '@stepwise/core';

/*
 * The `authorization_details` section of stepwise.yaml: the RFC 9396 types
 * that OIDC clients and decision API callers may bind a step-up to.
 */

const strict = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a mapping of settings') });

const typeSchema = strict({
  kind: z.enum(['payment', 'action'], { error: 'must be "payment" (amount, currency, payee) or "action" (action and resource fields)' }),
  currencies: z
    .array(z.string().regex(/^[A-Z]{3}$/, { error: 'must be ISO 4217 codes such as EUR' }), { error: 'must be a list of currency codes' })
    .min(1, { error: 'must list at least one currency' })
    .optional(),
  actions: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, { error: 'action names are letters, digits and . _ : -' }),
      z.string({ error: 'must be the words shown for the action' }).trim().min(1, { error: 'must not be empty' }),
      { error: 'must map action names to the words shown for them' },
    )
    .optional(),
}).refine((type) => !(type.kind === 'payment' && type.actions), { path: ['actions'], error: 'is only for kind "action"' });

/** `authorization_details:` in stepwise.yaml. */
export const authorizationDetailsSchema = strict({
  types: z.record(
    z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'type names are lower-case letters, digits and _' }),
    typeSchema,
    { error: (issue) => (issue.code === 'invalid_key' ? 'type names are lower-case letters, digits and _' : 'must map type names to { kind, currencies?, actions? }') },
  ),
});

/** The authorization detail types in force. */
export interface AuthorizationDetailsConfig {
  /** By type name; empty turns Rich Authorization Requests off. */
  readonly types: DetailTypes;
}

/**
 * The section with defaults: `payment_initiation` (kind payment) and
 * `stepwise_action` (kind action) when it is not written.
 *
 * @param raw - the parsed section, if any
 * @example
 * ```ts
 * readAuthorizationDetails(undefined).types.payment_initiation; // { kind: 'payment' }
 * ```
 */
export function readAuthorizationDetails(raw: z.output<typeof authorizationDetailsSchema> | undefined): AuthorizationDetailsConfig {
  if (raw === undefined) return { types: DEFAULT_DETAIL_TYPES };
  const types: Record<string, DetailTypeDefinition> = {};
  for (const [name, type] of Object.entries(raw.types)) {
    types[name] = { kind: type.kind, ...(type.currencies ? { currencies: type.currencies } : {}), ...(type.actions ? { actions: type.actions } : {}) };
  }
  return { types };
}
