/**
 * The real pipeline, from due time to the provider: every figure here is taken over HTTP against
 * the simulator running in a process of its own (bench/pipeline/_pipeline-sim.ts), with the real clients.
 *
 * 1. Placement: plain `fetch` (the floor), ky alone, and each client's `placeCall` (polling,
 *    webhook, Twilio), at concurrency 1 and 10: calls/s, latency p50/p99, CPU per call of this
 *    process, and the ratio to plain fetch of the same flavour, taken in the same run.
 * 2. The scheduler end to end (claim → mark placing → POST → record → follow by polling) on the
 *    memory, SQLite and PostgreSQL stores: 2,000 calls due at one instant, concurrency 10, three
 *    runs per store, each beside a plain-fetch floor measured just before it. Lag is the moment
 *    the simulator received the POST minus the call's due time. Each PostgreSQL run is also
 *    followed by a floor of bare `pg` and `fetch` (bench/_pipeline-floor.ts: claim ahead, mark,
 *    request, answers with their records), and the fetch loop's CPU per call is printed.
 * 3. Bursts of 500 calls due within one second, on each store, three runs each: a run's first
 *    burst (a fresh simulator, connections not yet open, and in a store's first run code the JIT
 *    has not compiled) and a second 4 s later (a running scheduler), lag p50/p99/max, this
 *    process's CPU and the machine's busy share over the later burst's second, the longest
 *    event-loop stall and GC pause of this process; beside a plain-fetch loop that sends the same
 *    due times on a fresh simulator, with no store.
 * 4. PostgreSQL with 4 worker processes against 4 plain-fetch processes and 4 processes of the
 *    bare floor, then 4 of the floor that also follows its calls by polling (as the scheduler
 *    must on this simulator); the share of the workers' status polls that found no change.
 * 5. The dialer end to end over the webhook simulator, with its webhooks received over HTTP,
 *    at 3, 10 and 100 in flight: calls/s, slot use, beside a plain fetch + webhook loop.
 *
 *   pnpm --filter @ringkit/bench exec tsx pipeline/pipeline.ts [--quick] [--profile] [--only a,b] [--warm-up]
 *
 * `--only` takes any of: placement, scheduler, burst, postgres, dialer. `--profile` writes a CPU
 * profile of this process per section to bench/profiles/ (open it in Chrome's DevTools).
 * `--warm-up` runs the scheduler once on the memory store before section 2's rows, unshown, so
 * they measure compiled code rather than a fresh process's first thousand calls.
 * PostgreSQL sections run when TEST_DATABASE_URL (or DATABASE_URL) is set.
 */
import { dialerEndToEnd } from './_pipeline-section-dialer.js';
import { placement } from './_pipeline-section-placement.js';
import { postgresWorkers } from './_pipeline-section-postgres.js';
import { burst, schedulerEndToEnd } from './_pipeline-section-scheduler.js';
import { PG_URL, runs } from './_pipeline-settings.js';
import { quick } from '../_stats.js';

console.log(
  `ringkit pipeline bench, Node ${process.version}${quick ? ', --quick' : ''}${PG_URL ? '' : ' (no TEST_DATABASE_URL: PostgreSQL skipped)'}`,
);
if (runs('placement')) await placement();
if (runs('scheduler')) await schedulerEndToEnd();
if (runs('burst')) await burst();
if (runs('postgres') && PG_URL) await postgresWorkers();
if (runs('dialer')) await dialerEndToEnd();
