/**
 * @ringkit/dialer against p-queue + one deferred promise per call, on the same in-process fake
 * provider (`_dialer-provider.ts`), then durable campaigns beside them, then end to end over
 * HTTP. Run: pnpm -r --filter './packages/*' build && pnpm --filter @ringkit/bench exec tsx
 * dialer.ts (`--quick`: 2,000 numbers in process, 500 for the durable rows, fewer runs; `--http`:
 * only the HTTP section; `--durable`: only the durable rows). DATABASE_URL (or
 * TEST_DATABASE_URL) picks the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/test); one that cannot be reached is left out.
 *
 * In process:
 * - slot use: time-weighted calls in flight / concurrency, from the first POST to the last one
 *   (while numbers remain), seen from the provider; calls last 0–5 ms (setTimeout).
 * - CPU per call: process.cpuUsage over a run of zero-duration calls (status events delivered on
 *   setImmediate), divided by the calls; "overhead" subtracts a bare driver doing nothing but
 *   placing the next call, so what is left is the bookkeeping.
 * - refill latency: from the terminal status event handed to the handler to the next placeCall.
 * - memory per entry: heap growth after a full run (gc before and after) / entries.
 *
 * Durable campaigns (`_dialer-durable.ts`): `createDialer({ store, campaign })` on
 * `createMemoryStore()`, on a SQLite file and on PostgreSQL with 1 and with 3 worker processes on
 * one campaign (`_dialer-worker.ts`; the fake provider stays in this process and the workers
 * reach it over IPC), beside the in-memory dialer and p-queue at the same concurrency (10, campaign-wide) on
 * the same calls of 0–5 ms: slot use and refill latency as above, from the provider's side;
 * calls per second from the first placeCall to the last terminal status; start() to the first
 * placeCall; the rows the store holds afterwards. Slot use ≥ 99.9 % is the goal of the memory
 * path; the durable rows are shown as a ratio to it. Each PostgreSQL column is run beside two
 * floors of bare `pg` with as many processes: one through the same harness (provider, IPC and
 * webhooks; `_dialer-bare-worker.ts`), whose slot use and CPU are taken as ringkit's are, and one
 * with no provider at all (`_dialer-floor.ts`).
 *
 * End to end over HTTP: `createNumDialerClient` against the webhook simulator in a child process
 * (bench/pipeline/_pipeline-sim.ts); the simulator POSTs its webhooks to a local HTTP server here, which
 * hands them to `createWebhookHandler` and so to `dialer.handleStatus`. Both ends of a slot are
 * taken in this process, on the wire: a call is in flight from the moment its `POST /call` leaves
 * (undici's `undici:client:sendHeaders` diagnostics channel) to the moment its terminal webhook
 * arrives (the HTTP server's `request` event). Slot use is calls in flight integrated over time /
 * (concurrency × time from the first POST to the last); the refill gap is the time from a
 * terminal webhook arriving to the next POST leaving; CPU % is this process's CPU time over the
 * run's wall time (one core = 100 %).
 */
import { durableSection } from './_dialer-section-durable.js';
import { httpSection } from './_dialer-section-http.js';
import { inProcessSection } from './_dialer-section-memory.js';
import { DURABLE_ONLY, HTTP_ONLY } from './_dialer-settings.js';

if (!HTTP_ONLY && !DURABLE_ONLY) await inProcessSection();
if (!HTTP_ONLY) await durableSection();
if (!DURABLE_ONLY) await httpSection();
