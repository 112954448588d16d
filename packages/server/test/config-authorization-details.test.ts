// The RFC 9396 types a step-up can be bound to. A typo in a type must stop
// the server at start-up with the key named, not surface as a refused
// payment in production.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertConfigError, load } from './support/config-kit.js';

void describe('authorization_details configuration', () => {
  void test('without the section, payment_initiation and stepwise_action are known', () => {
    assert.deepEqual(load(undefined).authorizationDetails.types, {
      payment_initiation: { kind: 'payment' },
      stepwise_action: { kind: 'action' },
    });
  });

  void test('types are declared by name with their kind, currencies and action words', () => {
    const config = load(`authorization_details:
  types:
    sepa_payment: { kind: payment, currencies: [EUR] }
    admin_action:
      kind: action
      actions:
        environment.delete: Delete an environment`);
    assert.deepEqual(config.authorizationDetails.types, {
      sepa_payment: { kind: 'payment', currencies: ['EUR'] },
      admin_action: { kind: 'action', actions: { 'environment.delete': 'Delete an environment' } },
    });
    assert.deepEqual(load('authorization_details: { types: {} }').authorizationDetails.types, {});
  });

  void test('bad declarations name the key', () => {
    assertConfigError(() => load('authorization_details: { types: { p: { kind: money } } }'), 'authorization_details.types.p.kind', /must be "payment"/);
    assertConfigError(() => load('authorization_details: { types: { Pay: { kind: payment } } }'), 'authorization_details.types.Pay', /lower-case/);
    assertConfigError(() => load('authorization_details: { types: { p: { kind: payment, currencies: [euro] } } }'), 'authorization_details.types.p.currencies[0]', /ISO 4217/);
    assertConfigError(() => load('authorization_details: { types: { p: { kind: payment, actions: { a: A } } } }'), 'authorization_details.types.p.actions', /only for kind "action"/);
    assertConfigError(() => load('authorization_details: { typs: {} }'), 'authorization_details.typs', /not a known setting/);
  });
});
