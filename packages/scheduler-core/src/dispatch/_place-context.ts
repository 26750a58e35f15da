import type { CallProvider, Clock } from '@ringkit/call-client';
import type { Tracing } from '@ringkit/internal';
import type { SchedulerEmitter } from '../events.js';
import type { StoredCall } from '../store.js';
import type { LastCheckContext } from './_last-check.js';
import type { Outcomes } from './_outcomes.js';
import type { Pacing } from './_pacing.js';
import type { Mutate } from './_writes.js';

/** What placing needs: the provider, this worker's leases, the outcomes and the follower. */
export interface PlaceContext {
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  provider: CallProvider;
  workerId: string;
  leaseMs: number;
  /**
   * How long a request may go unanswered: then it is aborted (its signal) and its outcome is
   * unknown, as for a request that timed out.
   */
  callTimeoutMs: number;
  outcomes: Outcomes;
  isRunning: () => boolean;
  reportError: (error: unknown, source: 'store' | 'provider', callId?: string) => void;
  /** Starts following a placed call by polling, where the provider needs it. */
  follow: (row: StoredCall, justPlaced?: boolean) => void;
  /** Whether placed calls are followed by polling, under a follow lease of this worker. */
  polls: () => boolean;
  /** Takes over a call in flight claimed because its follower's lease ran out. */
  adopt: (claim: StoredCall) => Promise<void>;
  /** Makes sure the dispatch timer fires by `at`. */
  wake: (at: number) => void;
  /** When each request may leave (`callsPerSecond`). */
  pacing: Pacing;
  tracing: Tracing;
  /** What the last check before each request reads (see `_last-check.ts`). */
  lastCheck: Omit<LastCheckContext, 'clock'>;
}
