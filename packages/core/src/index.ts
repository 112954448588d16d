export * from './errors.js';
export * from './events.js';
export * from './methods.js';
export * from './levels.js';
export * from './requirement.js';
export * from './assurance.js';
export * from './next-methods.js';
export * from './resolve.js';
