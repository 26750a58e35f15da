/**
 * A worker process of `scheduler/backlog.ts`, started with `fork()` and IPC; argv[2] is a JSON
 * `BacklogWorkerArgs`. It starts its system idle (`startConsumer` of `_backlog-systems.ts`) and
 * answers `{ type: 'ready' }`; then, by message:
 *
 * - `{ type: 'phase', id, at, first, dues? }`: the calls of a phase are about to be enqueued
 *   (`Phase`); what it recorded is cleared, and it answers `{ type: 'phase' }`;
 * - `{ type: 'start' }`, sent just before the calls fall due: its CPU time and statements are
 *   counted from now;
 * - `{ type: 'report' }`: answers `{ type: 'report', times, dues, cpuUs, statements }`: each job's
 *   handler start (epoch ms, `performance.timeOrigin + performance.now()`) and due time, this
 *   process's CPU in µs and the statements it sent to PostgreSQL since `start`;
 * - `{ type: 'close' }`: stops its system gracefully and exits (as it does, at once, when the
 *   parent is gone).
 *
 * Meanwhile it sends `{ type: 'progress', id, count }` at most every 100 ms while jobs run: the
 * jobs of phase `id` it has seen.
 */
import { createRequire } from 'node:module';
import pg from 'pg';
import { statementCounter } from '../pipeline/_pipeline-measure.js';
import { startConsumer, type Phase, type SystemKey } from './_backlog-systems.js';

export interface BacklogWorkerArgs {
  system: SystemKey;
  index: number;
  pool: number;
  inFlight: number;
  url: string;
  schema: string;
  before?: string;
}

export type ToWorker =
  | ({ type: 'phase'; id: number } & Phase)
  | { type: 'start' }
  | { type: 'report' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'phase' }
  | { type: 'progress'; id: number; count: number }
  | { type: 'report'; times: number[]; dues: number[]; cpuUs: number; statements: number };

const args = JSON.parse(process.argv[2]!) as BacklogWorkerArgs;
const send = (message: FromWorker) => process.send!(message);
const now = () => performance.timeOrigin + performance.now();

const counter = await statementCounter();
/**
 * Another build resolves its own copy of `pg` (its checkout's `node_modules`): its queries are
 * counted there too.
 */
let otherQueries = 0;
if (args.before !== undefined) {
  const otherPg = createRequire(`${args.before}/index.js`)('pg') as typeof pg;
  if (otherPg.Client.prototype !== pg.Client.prototype) {
    const proto = otherPg.Client.prototype as unknown as Record<string, unknown>;
    const query = proto.query as (...queryArgs: unknown[]) => unknown;
    proto.query = function (this: unknown, ...queryArgs: unknown[]) {
      otherQueries += 1;
      return query.apply(this, queryArgs);
    };
  }
}
const statements = () => counter.count() + otherQueries;

let phaseId = -1;
let times: number[] = [];
let dues: number[] = [];
let progress: NodeJS.Timeout | undefined;
const onJob = (due: number) => {
  times.push(now());
  dues.push(due);
  progress ??= setTimeout(() => {
    progress = undefined;
    send({ type: 'progress', id: phaseId, count: times.length });
  }, 100);
};

const consumer = await startConsumer(
  args.system,
  { url: args.url, schema: args.schema, before: args.before },
  args,
  onJob,
);

let cpuFrom = process.cpuUsage();
let statementsFrom = statements();
process.on('message', (message: ToWorker) => {
  if (message.type === 'phase') {
    phaseId = message.id;
    times = [];
    dues = [];
    consumer.expect(message);
    send({ type: 'phase' });
  } else if (message.type === 'start') {
    cpuFrom = process.cpuUsage();
    statementsFrom = statements();
  } else if (message.type === 'report') {
    const used = process.cpuUsage(cpuFrom);
    send({
      type: 'report',
      times,
      dues,
      cpuUs: used.user + used.system,
      statements: statements() - statementsFrom,
    });
  } else {
    void consumer
      .stop()
      .catch((error: unknown) => console.error(`${args.system} worker ${args.index}:`, error))
      .then(() => process.exit(0));
  }
});
// A parent that is gone leaves no worker behind, polling.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
