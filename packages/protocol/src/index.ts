export * from './limits.js';
export type * from './types.js';
export * from './schemas.js';
