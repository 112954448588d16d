export { main, USAGE } from './main.js';
export type { Output } from './output.js';
