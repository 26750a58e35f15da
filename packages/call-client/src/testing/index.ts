/**
 * `@ringkit/call-client/testing`: a fake clock to drive the clients' timers (polling, pacing,
 * time-outs) in tests. The simulator, its MSW handlers and the provider contract suite are
 * `@ringkit/simulator`.
 */
export { createFakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
