import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createNumDialerClient,
  createWebhookToken,
  createExpressWebhookHandler,
} from '@ringkit/call-client';
import { startCallApiSimulator, startFaultGateway, type GatewayFault } from '@ringkit/simulator';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createDialer } from './dialer.js';
import type { Dialer, DialerSnapshot } from './types.js';

const NUMBERS = ['13018040009', '14155552671', '12025550123'];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A dialer wired with Express to the webhook simulator, through a gateway that forwards each
 * POST and then answers as `fault` says while the provider goes on with the call.
 */
async function dialThrough(
  fault: GatewayFault | null,
  options: {
    numbers?: string[];
    concurrency?: number;
    errorRate?: number;
    callTimeoutMs?: number;
    fetch?: typeof globalThis.fetch;
    listen?: (dialer: Dialer) => void;
  } = {},
) {
  const sim = await startCallApiSimulator({
    flavour: 'webhook',
    port: 0,
    stepMs: [5, 20],
    seed: 11,
    ...(options.errorRate === undefined ? {} : { errorRate: options.errorRate }),
  });
  cleanups.push(() => sim.close());
  const gateway = await startFaultGateway({ target: sim.url, fault });
  cleanups.push(() => gateway.close());
  const token = createWebhookToken();
  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const provider = createNumDialerClient({
    baseUrl: gateway.url,
    webhookUrl: `http://127.0.0.1:${port}/hooks/${token}`,
    timeoutMs: 300,
    retry: { limit: 5, baseDelayMs: 1 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const numbers = options.numbers ?? NUMBERS;
  const dialer = createDialer({
    provider,
    numbers,
    concurrency: options.concurrency ?? 1,
    maxAttempts: 3,
    callTimeoutMs: options.callTimeoutMs ?? 3_000,
  });
  dialer.on('error', () => {});
  options.listen?.(dialer);
  app.post('/hooks/:token', createExpressWebhookHandler({ token, onEvent: dialer.handleStatus }));
  const drained = new Promise<DialerSnapshot>((resolve) =>
    dialer.on('drained', () => resolve(dialer.snapshot())),
  );
  dialer.start();
  const snapshot = await drained;
  const calledPerNumber = new Map<string, number>();
  for (const call of sim.calls()) {
    calledPerNumber.set(call.phone, (calledPerNumber.get(call.phone) ?? 0) + 1);
  }
  return { snapshot, calledPerNumber, calls: sim.calls().length };
}

const ambiguous: [string, GatewayFault][] = [
  ['a 504 from a gateway that gave up while the provider dials', { status: 504, afterMs: 50 }],
  ['a 502 from a gateway', { status: 502, afterMs: 20 }],
  ['a connection reset after the request was sent', { reset: true, afterMs: 20 }],
  ['a provider slower than the client timeout', { delayMs: 600 }],
];

describe('a placement whose outcome is unknown, with the provider behind a gateway', () => {
  for (const [what, fault] of ambiguous) {
    it(`calls each number once, never again, after ${what}`, async () => {
      const { snapshot, calls, calledPerNumber } = await dialThrough(fault);
      expect(calls).toBe(NUMBERS.length);
      expect([...calledPerNumber.keys()].sort()).toEqual(NUMBERS.map((n) => `+${n}`).sort());
      expect([...calledPerNumber.values()]).toEqual(NUMBERS.map(() => 1));
      for (const entry of snapshot.entries) {
        expect(entry.attempts).toBe(1);
        expect(entry.inDoubt).toBe(false);
        // Its webhooks name an id no answer gave: never guessed to be this call's, whatever
        // else is in flight. The entry ends in doubt, and its slot is held to its timeout.
        expect(entry.status).toBe('failed');
        expect(entry.error?.reason).toBe('outcome_unknown');
        expect(entry.callId).toBeNull();
      }
    });
  }

  it('keeps the slots of several calls in doubt until their timeout, and calls each once', async () => {
    const numbers = [...NUMBERS, '12125550101'];
    const whenAllInDoubt: string[] = [];
    const { snapshot, calls } = await dialThrough(
      { status: 504, afterMs: 50 },
      {
        numbers,
        concurrency: 3,
        callTimeoutMs: 1_000,
        listen: (dialer) =>
          dialer.on('finished', () => {
            const { entries } = dialer.snapshot();
            if (entries.slice(0, 3).every((e) => e.inDoubt)) {
              whenAllInDoubt.push(...entries.map((e) => e.status));
            }
          }),
      },
    );
    // The three calls in doubt together cannot be told apart, and each may still be ringing:
    // while all three held their slots, the fourth number was not dialed.
    expect(whenAllInDoubt.slice(0, 4)).toEqual(['failed', 'failed', 'failed', 'idle']);
    expect(calls).toBe(numbers.length);
    for (const entry of snapshot.entries) {
      expect(entry.attempts).toBe(1);
      expect(entry.inDoubt).toBe(false);
      expect(entry.status).toBe('failed');
      expect(entry.error?.reason).toBe('outcome_unknown');
    }
  });
});

/** A `fetch` that answers `status` to the first POST for each number, without sending it on. */
function refusingFirst(status: 429 | 503) {
  const refused = new Set<string>();
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.method === 'POST') {
      const { phone } = (await request.clone().json()) as { phone: string };
      if (!refused.has(phone)) {
        refused.add(phone);
        const body = JSON.stringify({ error: 'slow down' });
        return new Response(body, { status, headers: { 'retry-after': '0' } });
      }
    }
    return globalThis.fetch(request);
  };
  return { fetch, refused };
}

describe('a placement the provider surely refused', () => {
  for (const status of [429, 503] as const) {
    it(`is retried after a ${status} and places each number exactly once`, async () => {
      const { fetch, refused } = refusingFirst(status);
      const { snapshot, calledPerNumber } = await dialThrough(null, { fetch });
      expect(refused.size).toBe(NUMBERS.length);
      expect([...calledPerNumber.values()]).toEqual(NUMBERS.map(() => 1));
      expect(snapshot.entries.every((e) => e.status === 'completed')).toBe(true);
    });
  }
});
