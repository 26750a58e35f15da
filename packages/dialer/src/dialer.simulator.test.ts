import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMockCallApiClient,
  createNumDialerClient,
  createWebhookToken,
  createExpressWebhookHandler,
} from '@ringkit/call-client';
import {
  startCallApiSimulator,
  type CallApiSimulator,
  type SimulatorEvent,
} from '@ringkit/simulator';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createDialer } from './dialer.js';
import type { Dialer, DialerSnapshot } from './types.js';
import { flush } from '../test/utils.js';

const NUMBERS = [
  '13018040009',
  '14155552671',
  '13018040009',
  '12025550123',
  '14155552671',
  '12125550101',
  '13018040009',
  '12025550100',
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function drained(dialer: Dialer): Promise<DialerSnapshot> {
  return new Promise((resolve) => dialer.on('drained', () => resolve(dialer.snapshot())));
}

/** Counts the simulator's live calls (created, not yet at an outcome) and keeps the highest. */
function liveCalls() {
  const live = new Set<string>();
  const seen = { max: 0, duplicates: 0, events: [] as SimulatorEvent[] };
  const onEvent = (event: SimulatorEvent) => {
    seen.events.push(event);
    if (event.type === 'created') live.add(event.call.id);
    if (
      event.type === 'status' &&
      ['completed', 'busy', 'no-answer', 'failed'].includes(event.status)
    ) {
      live.delete(event.callId);
    }
    if (event.type === 'webhook_sent' && event.duplicate) seen.duplicates += 1;
    seen.max = Math.max(seen.max, live.size);
  };
  return { seen, onEvent };
}

describe('against the simulator', () => {
  it('dials a list through the webhook flavour wired with Express, every entry completed', async () => {
    const { seen, onEvent } = liveCalls();
    const sim: CallApiSimulator = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [2, 15],
      earlyWebhookRate: 0.5,
      duplicateWebhookRate: 0.5,
      outOfOrderRate: 0.5,
      seed: 7,
      onEvent,
    });
    cleanups.push(() => sim.close());

    // The README's wiring.
    const token = createWebhookToken();
    const app = express();
    const server: Server = app.listen(0, '127.0.0.1');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const provider = createNumDialerClient({
      baseUrl: sim.url,
      webhookUrl: `http://127.0.0.1:${port}/hooks/${token}`,
    });
    const dialer = createDialer({ provider, numbers: NUMBERS });
    let early = 0;
    app.post(
      '/hooks/:token',
      createExpressWebhookHandler({
        token,
        onEvent: (e) => {
          if (!dialer.snapshot().entries.some((entry) => entry.callId === e.callId)) early += 1;
          dialer.handleStatus(e);
        },
      }),
    );
    const errors: unknown[] = [];
    dialer.on('error', (event) => errors.push(event.error));
    const done = drained(dialer);
    dialer.start();
    await flush();
    const snapshot = await done;

    expect(errors).toEqual([]);
    expect(snapshot.state).toBe('done');
    expect(snapshot.entries.map((entry) => entry.status)).toEqual(NUMBERS.map(() => 'completed'));
    const ids = snapshot.entries.map((entry) => entry.callId);
    expect(new Set(ids).size).toBe(NUMBERS.length);
    expect(
      sim
        .calls()
        .map((call) => call.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(sim.calls().map((call) => call.phone)).toEqual(NUMBERS.map((n) => `+${n}`));
    expect(seen.max).toBeLessThanOrEqual(3);
    // The quirks were really exercised.
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(early).toBeGreaterThan(0);
  });

  it('dials a list through the polling flavour, following each call with watchCall', async () => {
    const { seen, onEvent } = liveCalls();
    const sim = await startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: [2, 15],
      seed: 3,
      onEvent,
    });
    cleanups.push(() => sim.close());
    const provider = createMockCallApiClient({ baseUrl: sim.url });
    const dialer = createDialer({ provider, numbers: NUMBERS, concurrency: 2, watchIntervalMs: 5 });
    const statuses = new Set<string>();
    dialer.on('status', (event) => statuses.add(event.status));
    const done = drained(dialer);
    dialer.start();
    await flush();
    const snapshot = await done;

    expect(snapshot.entries.map((entry) => entry.status)).toEqual(NUMBERS.map(() => 'completed'));
    expect(new Set(snapshot.entries.map((entry) => entry.callId)).size).toBe(NUMBERS.length);
    expect([...statuses]).toEqual(expect.arrayContaining(['dialing', 'initiated', 'completed']));
    expect(seen.max).toBeLessThanOrEqual(2);
  });
});
