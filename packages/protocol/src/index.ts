export * from './limits.js';
export type * from './types.js';
export * from './schemas.js';
export type * from './reports.js';
export type * from './persons.js';
