/**
 * A worker process of the floor that runs through the same harness as ringkit's durable
 * PostgreSQL rows (`_dialer-durable.ts`), in place of `_dialer-worker.ts`: the same IPC to the
 * same fake provider in the parent, the same webhooks routed the same way, the same figures taken
 * on the provider's side. What it does is only what a durable campaign's call cannot do without,
 * from a bare `pg` pool, on tables as narrow as they can be (`_dialer-floor-sql.ts`):
 *
 * - the claim of entries under the campaign-wide cap (`cap` of the campaign's row), with their
 *   mark before the request, committed durably, in one round trip: as many entries as this
 *   worker has places to fill and the cap leaves free;
 * - the provider's answer written with its call record, once the parent answered `place`
 *   (then `written` goes to the parent, which routes the call's webhooks to any worker from then
 *   on, as it does for ringkit);
 * - the end written with its record, by provider id, from the terminal status of a webhook,
 *   whichever worker it reached (after the answer's write, when that is this worker's and still
 *   on its way); that worker then claims the place the end freed.
 *
 * Statuses that do not end a call (`ringing`, `answered`) write nothing. No events, no leases
 * kept, no retries, no history beyond the record: what is left is the database's protocol and
 * the provider's round trips. It speaks `_dialer-worker.ts`'s messages; `claimsMs` are its
 * claims' times.
 */
import { isCallStatus, isTerminal } from '@ringkit/call-client';
import pg from 'pg';
import { floorAnswer, floorClaim } from './_dialer-floor-sql.js';
import { CpuWindow, reportClosed } from './_dialer-harness.js';
import { POOL_SIZE } from './_dialer-settings.js';
import type { DialerWorkerTask, FromWorker, ToWorker } from './_dialer-worker.js';

const task = JSON.parse(process.argv[2]!) as DialerWorkerTask;
const s = `"${task.schema}"`;
const send = (message: FromWorker) => process.send!(message);
process.on('uncaughtException', (error) => {
  console.error(`dialer bench floor ${task.workerId}: uncaught`, error);
  process.exit(1);
});

const answer = floorAnswer(s);
const end = {
  name: 'floor_end',
  text: `WITH u AS (UPDATE ${s}.entries SET status = 'completed', updated_at = $2
        WHERE provider_call_id = $1 AND status = 'initiated' RETURNING id)
      UPDATE ${s}.records AS r SET status = 'completed', ended_at = $2 FROM u WHERE r.id = u.id
      RETURNING r.id`,
};

// The pool's connections opened before the run, as the store's are in `ready()` (`POOL_SIZE`).
const pool = new pg.Pool({
  connectionString: task.url,
  application_name: task.applicationName,
  max: POOL_SIZE,
});
pool.on('error', () => {});
const opened = await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.connect()));
for (const connection of opened) connection.release();

/** Statements sent, and connections opened (from `start`). */
const counts = { statements: 0, connects: 0 };
pool.on('connect', () => (counts.connects += 1));
const claims: number[] = [];
const run = async (config: { name: string; text: string }, values: unknown[]) => {
  counts.statements += 1;
  return (await pool.query({ ...config, values })).rows;
};

let running = false;
/** Places this worker wants filled: freed by the ends it wrote, or all of them at the start. */
let wanted = 0;
let claiming = false;
/** The entries whose requests are on their way, by the `n` of their `place`. */
const requests = new Map<number, string>();
let asked = 0;
/** The answers being written, by provider id: an end that outruns one waits for it. */
const writing = new Map<string, Promise<unknown>>();

/** Sends an entry's request; its answer is written once `placed` comes (`answered`). */
const dial = (entry: { id: string; to_phone: string }) => {
  const n = asked++;
  requests.set(n, entry.id);
  cpu.placing();
  send({ type: 'place', n, to: entry.to_phone });
};

/** Writes a request's answer, known to the statuses that come before it is done at once. */
const answered = (n: number, callId: string) => {
  const id = requests.get(n);
  requests.delete(n);
  if (id === undefined) return;
  const written = run(answer, [id, callId, Date.now()]);
  writing.set(callId, written);
  written.then(
    () => {
      writing.delete(callId);
      send({ type: 'written', callId });
    },
    (error: unknown) => fail(error),
  );
};

/** Claims the places wanted, one claim at a time; those freed meanwhile in the next. */
const claim = async () => {
  if (claiming || !running) return;
  claiming = true;
  try {
    while (running && wanted > 0) {
      const asking = wanted;
      wanted = 0;
      const t0 = performance.now();
      counts.statements += 1;
      const results = (await pool.query(
        floorClaim(s, task.workerId, asking, Date.now()),
      )) as unknown as pg.QueryResult[];
      claims.push(performance.now() - t0);
      const rows = results[2]!.rows as { id: string; to_phone: string }[];
      for (const row of rows) dial(row);
      // Places the cap did not leave free are not wanted any more: another worker has them.
    }
  } finally {
    claiming = false;
  }
};

const fail = (error: unknown) => send({ type: 'failed', message: String(error) });

const ended = async (callId: string) => {
  await writing.get(callId);
  const rows = await run(end, [callId, Date.now()]);
  if (rows.length === 0) return; // a repeat, or not this floor's call
  wanted += 1;
  await claim();
};

const cpu = new CpuWindow();
process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'placed':
      answered(message.n, String(message.call.id));
      break;
    case 'status': {
      const { status, callId } = message.event;
      if (isCallStatus(status) && isTerminal(status)) void ended(String(callId)).catch(fail);
      break;
    }
    case 'start':
      cpu.start();
      counts.statements = 0;
      counts.connects = 0;
      claims.length = 0;
      running = true;
      wanted = task.concurrency;
      void claim().then(() => send({ type: 'started' }), fail);
      break;
    case 'close':
      running = false;
      void reportClosed(cpu, counts, claims, () => pool.end());
      break;
  }
});
send({ type: 'ready' });
