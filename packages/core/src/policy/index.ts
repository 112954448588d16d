export * from './policy.js';
export * from './combine-requirements.js';
export * from './evaluate-policy.js';
export * from './proven-assurance.js';
export * from './decide.js';
