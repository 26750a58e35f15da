/**
 * The HTTP section of `dialer.ts`: `createNumDialerClient` against the webhook simulator in a
 * child process, its webhooks received by a local server: slot use and the refill gap by phase.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import {
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  isTerminal,
  type CallProvider,
} from '@ringkit/call-client';
import { createDialer } from '@ringkit/dialer';
import { closeChild, forkReady, SIMULATOR_SCRIPT } from '../_child.js';
import type { Handler } from './_dialer-provider.js';
import { pct, percentile, printTable } from './_dialer-report.js';
import { QUICK } from './_dialer-settings.js';

/** The webhook simulator in a process of its own, as a provider is. */
async function startSimulator(stepMs: [number, number], seed: number) {
  const { child, ready } = await forkReady(SIMULATOR_SCRIPT, [
    JSON.stringify({ flavour: 'webhook', stepMs, seed }),
  ]);
  return {
    url: ready.url,
    async close() {
      await closeChild(child);
    },
  };
}

interface HttpRun {
  slotUse: number;
  /** Refill gaps, µs. */
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
  cpuPercent: number;
  cpuPerCallUs: number;
  /** The refill gap's p50 by phase, µs: receiver, dialer, client before fetch, fetch to wire. */
  phases: [number, number, number, number];
}

/** Moments (performance.now) the `POST /call` requests of this process left, as undici sends them. */
function watchPosts(into: number[]) {
  const onSend = (message: unknown) => {
    const request = (message as { request?: { method?: string; path?: string } }).request;
    if (request?.method === 'POST' && request.path === '/call') into.push(performance.now());
  };
  subscribe('undici:client:sendHeaders', onSend);
  return () => unsubscribe('undici:client:sendHeaders', onSend);
}

async function httpRun(
  concurrency: number,
  calls: number,
  stepMs: [number, number],
  seed: number,
): Promise<HttpRun> {
  const sim = await startSimulator(stepMs, seed);
  const token = createWebhookToken();
  const posts: number[] = [];
  /** Arrival of each call's first terminal webhook, and when it reached `handleStatus`. */
  const ends: number[] = [];
  const handled: number[] = [];
  /** When `placeCall` was invoked, and when the client handed the request to `fetch`. */
  const placed: number[] = [];
  const fetched: number[] = [];
  const endedIds = new Set<string>();
  /** The webhooks' way to the dialer, once there is one. */
  let route: Handler = () => {};
  let arrivedAt = 0;
  const handler = createWebhookHandler({
    token,
    onEvent(event) {
      const id = String(event.callId);
      if (isTerminal(event.status) && !endedIds.has(id)) {
        endedIds.add(id);
        ends.push(arrivedAt);
        handled.push(performance.now());
      }
      route(event);
    },
    onError: (error) => console.error('webhook refused:', error),
  });
  const prefix = '/hooks/';
  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      arrivedAt = at;
      void handler({
        token: path.startsWith(prefix) ? path.slice(prefix.length) : undefined,
        body: Buffer.concat(chunks),
      }).then((answer) => {
        if (answer.body) res.writeHead(answer.status, { 'content-type': 'application/json' });
        else res.writeHead(answer.status);
        res.end(answer.body ? JSON.stringify(answer.body) : undefined);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = createNumDialerClient({
    fetch: (input, init) => {
      fetched.push(performance.now());
      return fetch(input, init);
    },
    baseUrl: sim.url,
    webhookUrl: `http://127.0.0.1:${port}${prefix}${token}`,
  });
  const provider: CallProvider = {
    ...client,
    placeCall(request) {
      placed.push(performance.now());
      return client.placeCall(request);
    },
  };
  const numbers = Array.from({ length: calls }, (_, i) => `+1415${String(2_000_000 + i)}`);
  const d = createDialer({ provider, numbers, concurrency });
  route = (event) => d.handleStatus(event);
  const drained = new Promise<void>((resolve) => d.on('drained', () => resolve()));
  const stopWatching = watchPosts(posts);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  d.start();
  await drained;
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  stopWatching();
  server.closeAllConnections();
  server.close();
  await sim.close();
  const failed = d.snapshot().entries.filter((entry) => entry.status !== 'completed').length;
  if (posts.length !== calls || ends.length !== calls || fetched.length !== calls || failed > 0) {
    throw new Error(`${posts.length} POSTs, ${ends.length} ends, ${failed} not completed`);
  }
  // Slot use while numbers remain: calls in flight integrated from the first POST to the last.
  const first = posts[0]!;
  const last = posts[calls - 1]!;
  let area = 0;
  let inFlight = 0;
  let at = first;
  for (let p = 0, e = 0; p < calls;) {
    const nextEnd = e < calls ? ends[e]! : Infinity;
    const now = Math.min(posts[p]!, nextEnd);
    area += inFlight * (now - at);
    at = now;
    if (posts[p]! <= nextEnd) {
      inFlight += 1;
      p += 1;
    } else {
      inFlight -= 1;
      e += 1;
    }
  }
  // Each call that ends while numbers remain frees the slot the next POST takes.
  const gaps: number[] = [];
  const phases: [number[], number[], number[], number[]] = [[], [], [], []];
  for (let i = 0; i + concurrency < calls; i += 1) {
    const j = i + concurrency;
    gaps.push((posts[j]! - ends[i]!) * 1000);
    phases[0].push((handled[i]! - ends[i]!) * 1000);
    phases[1].push((placed[j]! - handled[i]!) * 1000);
    phases[2].push((fetched[j]! - placed[j]!) * 1000);
    phases[3].push((posts[j]! - fetched[j]!) * 1000);
  }
  const cpuUs = used.user + used.system;
  return {
    slotUse: area / (concurrency * (last - first)),
    p50: percentile(gaps, 50),
    p99: percentile(gaps, 99),
    max: Math.max(...gaps),
    perSecond: (1000 * calls) / (ends[calls - 1]! - first),
    cpuPercent: (100 * cpuUs) / 1000 / wall,
    cpuPerCallUs: cpuUs / calls,
    phases: phases.map((list) => percentile(list, 50)) as HttpRun['phases'],
  };
}

export async function httpSection(): Promise<void> {
  const setups: { concurrency: number; calls: number; stepMs: [number, number] }[] = [
    { concurrency: 3, calls: QUICK ? 300 : 1_000, stepMs: [10, 30] },
    { concurrency: 100, calls: QUICK ? 2_000 : 6_000, stepMs: [100, 300] },
  ];
  const us = (v: number) => `${v.toFixed(0)} µs`;
  const split: string[] = [];
  const rows: string[][] = [
    [
      'in flight',
      'calls',
      'webhook steps',
      'slot use',
      'refill gap p50',
      'p99',
      'max',
      'calls/s',
      'CPU %',
      'CPU per call',
    ],
  ];
  // Warm-up: JIT, connections.
  await httpRun(3, 100, [1, 3], 7);
  for (const { concurrency, calls, stepMs } of setups) {
    const r = await httpRun(concurrency, calls, stepMs, 42);
    rows.push([
      String(concurrency),
      calls.toLocaleString('en'),
      `${stepMs[0]}–${stepMs[1]} ms ×3`,
      pct(r.slotUse),
      us(r.p50),
      us(r.p99),
      us(r.max),
      r.perSecond.toFixed(0),
      r.cpuPercent.toFixed(1),
      us(r.cpuPerCallUs),
    ]);
    const [receiver, dialerPart, clientPart, wire] = r.phases.map(us);
    split.push(
      `  ${concurrency} in flight: webhook in → handleStatus ${receiver}, handleStatus → placeCall ${dialerPart}, placeCall → fetch ${clientPart}, fetch → POST on the wire ${wire}`,
    );
  }
  console.log(
    `\n@ringkit/dialer end to end over HTTP: createNumDialerClient → webhook simulator (child process) → webhooks to a local server, Node ${process.version}`,
  );
  printTable(rows);
  console.log(
    'slot use goal ≥ 99.900 %; refill gap = terminal webhook arriving → next POST /call leaving (this process, on the wire)',
  );
  console.log('refill gap p50 by phase (the dialer is the second):');
  for (const line of split) console.log(line);
}
