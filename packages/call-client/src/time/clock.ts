/**
 * The source of time for everything that waits: `systemClock` wraps the globals; tests pass
 * `createFakeClock()` of `@ringkit/call-client/testing` instead of patching timers. The timer
 * limits and the shared defaults every package uses live with it in the private helpers.
 */
export { systemClock, type Clock } from '@ringkit/internal';
