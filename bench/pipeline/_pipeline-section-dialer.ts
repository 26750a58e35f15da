/**
 * Section 5 of `pipeline.ts`: the dialer end to end over the webhook simulator, its webhooks
 * received over HTTP, beside a plain fetch + webhook loop.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import {
  createNumDialerClient,
  createWebhookToken,
  parseStatusWebhook,
  type CallProvider,
} from '@ringkit/call-client';
import { createDialer } from '@ringkit/dialer';
import { startSim } from './_pipeline-children.js';
import { cpuMeter, loop, profiled } from './_pipeline-measure.js';
import { CONCURRENCY, DIALER_CALLS, numberOf } from './_pipeline-settings.js';
import { table } from '../_stats.js';

/** A local webhook receiver; `route` gets every parsed status event. */
async function webhookServer(route: (event: ReturnType<typeof parseStatusWebhook>) => void) {
  const token = createWebhookToken();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(parseStatusWebhook(JSON.parse(Buffer.concat(chunks).toString())));
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/${token}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function dialerRun(concurrency: number) {
  const sim = await startSim({ flavour: 'webhook', stepMs: [20, 60] });
  let handle: (event: ReturnType<typeof parseStatusWebhook>) => void = () => {};
  const hooks = await webhookServer((event) => handle(event));
  const provider: CallProvider = createNumDialerClient({
    baseUrl: sim.url,
    webhookUrl: hooks.url,
  });
  const numbers = Array.from({ length: DIALER_CALLS }, (_, i) => numberOf(i));
  const dialer = createDialer({ provider, numbers, concurrency });
  handle = (event) => dialer.handleStatus(event);
  // Each entry's span from its first POST to its end. Slot use is counted while numbers were
  // left to dial (first POST to last POST): after that, slots empty because the list is done.
  const startedAt = new Map<number, number>();
  const spans: [number, number][] = [];
  dialer.on('dialing', (e) => {
    if (!startedAt.has(e.index)) startedAt.set(e.index, performance.now());
  });
  dialer.on('finished', (entry) => {
    const began = startedAt.get(entry.index);
    if (began === undefined) return;
    startedAt.delete(entry.index);
    spans.push([began, performance.now()]);
  });
  const drained = new Promise((resolve) => dialer.on('drained', resolve));
  const cpu = cpuMeter();
  dialer.start();
  await drained;
  const used = cpu();
  await hooks.close();
  await sim.close();
  const first = Math.min(...spans.map(([a]) => a));
  const lastStart = Math.max(...spans.map(([a]) => a));
  const lastEnd = Math.max(...spans.map(([, b]) => b));
  const busy = spans.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, lastStart) - a), 0);
  const wall = lastEnd - first;
  return {
    perSecond: (1000 * DIALER_CALLS) / wall,
    slotUse: busy / (concurrency * (lastStart - first)),
    cpu: used.percent,
  };
}

/** The floor: plain fetch POSTs, each slot waiting for its call's final webhook. */
async function webhookLoopRun(concurrency: number) {
  const sim = await startSim({ flavour: 'webhook', stepMs: [20, 60] });
  const waiting = new Map<number, () => void>();
  const hooks = await webhookServer((event) => {
    if (['completed', 'busy', 'no-answer', 'failed'].includes(event.status)) {
      waiting.get(Number(event.callId))?.();
    }
  });
  const r = await loop(
    async (i) => {
      const response = await fetch(`${sim.url}/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: numberOf(i), webhookURL: hooks.url }),
      });
      const { id } = (await response.json()) as { id: number };
      await new Promise<void>((resolve) => waiting.set(id, resolve));
    },
    DIALER_CALLS,
    concurrency,
  );
  await hooks.close();
  await sim.close();
  return r.perSecond;
}

export async function dialerEndToEnd() {
  console.log(
    `\n# The dialer end to end: ${DIALER_CALLS} numbers, webhook simulator (steps of 20–60 ms), webhooks over HTTP\n`,
  );
  const rows = [];
  for (const concurrency of [3, CONCURRENCY, 100]) {
    const floor = await webhookLoopRun(concurrency);
    const r = await profiled(`dialer-c${concurrency}`, () => dialerRun(concurrency));
    rows.push({
      'in flight': concurrency,
      'dialer calls/s': Math.round(r.perSecond),
      'fetch loop calls/s': Math.round(floor),
      '× loop': r.perSecond / floor,
      'slot use %': (100 * r.slotUse).toFixed(3),
      'CPU %': Math.round(r.cpu),
    });
  }
  table(rows);
}
