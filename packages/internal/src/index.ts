export { brand, errorGuard, formatIssues, hasBrand } from './errors.js';
export type { Issue } from './errors.js';
export { createSafeEmitter } from './emitter.js';
export type { SafeEmitter } from './emitter.js';
export { EarlyEventBuffer } from './early-events.js';
export type { EarlyEvent } from './early-events.js';
