/**
 * Campaigns with agents placed by the engine itself, end to end: a campaign runner
 * (`createCampaignRunner`, `mode: 'progressive'` then `'predictive'`) dials through the webhook
 * practice API's client (`createNumDialerClient`) against the simulator, which plays the people
 * (20 % answer, 15 % machines, the rest ring out), the agents (answering a connect in 0.2–0.4 s)
 * and their talks (lognormal, mean 120 s); its webhooks come back over HTTP to `handleStatus`.
 * The roster is 20 agents in the store, wrap-up 10 s. The simulator runs `SCALE` times faster than
 * real time, and so does the engine's clock, so an hour's shift takes `60 / SCALE` minutes; the
 * HTTP round trips are not scaled, and count `SCALE` times over (a 5 ms request is 0.1 s of the
 * shift at 20): the figures are a little worse than a real shift's, never better.
 *
 *   pnpm --filter @ringkit/bench exec tsx agents/engine.ts [--quick] [--seed 1] [--scale 20]
 *
 * Prints, per mode: the campaign's abandon rate as the rule measures it (`readAbandons`), the
 * agents' occupancy (talking over logged in, from the roster), calls per agent-hour, and the wait
 * from answer to agent. `--quick`: a quarter-hour shift.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNumDialerClient, parseStatusWebhook, type Clock } from '@ringkit/call-client';
import {
  createAgents,
  createCampaignRunner,
  listAnswered,
  readAbandons,
  type CampaignMode,
} from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { startCallApiSimulator } from '@ringkit/simulator';
import { quick, table } from '../_stats.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const SEED = flag('--seed', 1);
const SCALE = flag('--scale', 20);
const AGENTS = 20;
const SHIFT_MS = quick ? 15 * 60_000 : 60 * 60_000;
const NUMBERS = 20_000;

/** The system clock, `scale` times faster from now on: what the simulator's `timeScale` plays. */
function scaledClock(scale: number): Clock {
  const start = Date.now();
  return {
    now: () => start + (Date.now() - start) * scale,
    setTimeout: (callback, ms) => setTimeout(callback, ms / scale),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)} %`);
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function shift(mode: CampaignMode) {
  const sim = await startCallApiSimulator({
    flavour: 'webhook',
    port: 0,
    humanRate: 0.2,
    machineRate: 0.15,
    outcomes: { 'no-answer': 1 },
    stepMs: [3000, 9000],
    talkMeanMs: 120_000,
    timeScale: SCALE,
    seed: SEED,
  });
  const clock = scaledClock(SCALE);
  const store = createMemoryStore();
  const agents = createAgents({ store, clock });
  for (let i = 0; i < AGENTS; i++) {
    await agents.add({
      id: `agent-${String(i).padStart(2, '0')}`,
      reach: `+1415555${String(1000 + i)}`,
      campaigns: ['shift'],
      state: 'available',
    });
  }
  let runner: ReturnType<typeof createCampaignRunner> | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The event's time is the engine's: the shift's clock, not the wall's.
      const event = parseStatusWebhook(Buffer.concat(chunks), { now: new Date(clock.now()) });
      void runner!.handleStatus(event).finally(() => res.writeHead(204).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const provider = createNumDialerClient({
    baseUrl: sim.url,
    webhookUrl: `http://127.0.0.1:${port}/hook`,
  });
  runner = createCampaignRunner({
    store,
    provider,
    clock,
    campaign: 'shift',
    callerId: '+14155550100',
    concurrency: 200,
    entries: Array.from({ length: NUMBERS }, (_, i) => ({
      to: `+1415${String(2_000_000 + i)}`,
    })),
    mode,
    agents: { sellerName: 'Acme Solar', callbackNumber: '+14155550199', wrapUpMs: 10_000 },
  });
  const errors: unknown[] = [];
  runner.on('error', ({ error }) => errors.push(error));
  const startedAt = clock.now();
  await runner.start();
  await new Promise((resolve) => setTimeout(resolve, SHIFT_MS / SCALE));
  const endedAt = clock.now();
  await runner.pause();
  const standing = await readAbandons(store, 'shift', new Date(endedAt));
  const roster = (await agents.list({ campaign: 'shift', limit: 100 })).items;
  const talking = roster.reduce((sum, a) => sum + a.totals.talkingMs, 0);
  const logged = roster.reduce(
    (sum, a) =>
      sum + a.totals.availableMs + a.totals.ringingMs + a.totals.talkingMs + a.totals.wrapUpMs,
    0,
  );
  const waits: number[] = [];
  let connected = 0;
  for await (const line of listAnswered(store, 'shift')) {
    if (line.waitMs !== null) waits.push(line.waitMs);
    if (line.agent !== null) connected += 1;
  }
  waits.sort((a, b) => a - b);
  const counts = await runner.counts();
  const dialed = Object.entries(counts)
    .filter(([status]) => status !== 'scheduled')
    .reduce((sum, [, n]) => sum + n, 0);
  await runner.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sim.close();
  const hours = (endedAt - startedAt) / 3_600_000;
  return {
    mode: typeof mode === 'string' ? mode : `ratio ${mode.ratio}`,
    dialed,
    people: standing.answered,
    abandoned: `${pct(standing.rate)} (${standing.abandoned})`,
    occupancy: pct(logged === 0 ? null : talking / logged),
    'calls / agent-hour': (connected / (AGENTS * hours)).toFixed(1),
    'wait p50': `${(quantile(waits, 0.5) / 1000).toFixed(2)} s`,
    'wait p99': `${(quantile(waits, 0.99) / 1000).toFixed(2)} s`,
    'over 2 s': waits.filter((w) => w > 2000).length,
    errors: errors.length,
  };
}

console.log(
  `# agents through the engine: ${AGENTS} agents, a ${SHIFT_MS / 60_000}-minute shift at ${SCALE}× (seed ${SEED})\n`,
);
const rows = [];
for (const mode of ['progressive', 'predictive'] as const) rows.push(await shift(mode));
table(rows);
