export * from './authorization-details-error.js';
export * from './authorization-details.js';
export * from './canonical-json.js';
export * from './describe-details.js';
export * from './transaction-hash.js';
