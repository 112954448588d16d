export * from './audit-event.js';
export * from './audit-chain.js';
