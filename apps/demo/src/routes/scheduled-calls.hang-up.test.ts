/**
 * `DELETE /api/scheduled-calls/:id` of a call already placed: hung up where the provider can end
 * calls, refused with a 409 of its own code where it cannot (the demo's polling provider).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  createMockCallApiClient,
  type CallProvider,
  type CallStatus,
  type ProviderCall,
} from '@ringkit/call-client';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { createScheduler, type Scheduler } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import express from 'express';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually } from '../_test-utils.js';
import { errorHandler } from '../http-errors.js';
import type { Runtime } from '../runtime.js';
import { scheduledCallsRouter } from './scheduled-calls.js';

/** The scheduled-calls routes and the error middleware of the app, over `scheduler`. */
async function mount(scheduler: Scheduler) {
  const app = express();
  app.use(express.json());
  app.use('/api/scheduled-calls', scheduledCallsRouter({ scheduler } as Runtime));
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/scheduled-calls`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function placeNow(base: string) {
  const created = await api(base, {
    method: 'POST',
    body: { phone_number: '+14155552671', scheduled_time: new Date().toISOString() },
  });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

describe("with the demo's polling provider, which cannot end calls", () => {
  let sim: CallApiSimulator;
  let scheduler: Scheduler;
  let mounted: Awaited<ReturnType<typeof mount>>;
  beforeAll(async () => {
    // Slow steps: the call rings for seconds, long enough to ask for it to be canceled.
    sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 4_000, seed: 1 });
    scheduler = createScheduler({
      store: createMemoryStore(),
      provider: createMockCallApiClient({ baseUrl: sim.url }),
      callerId: '+14155550100',
      watchIntervalMs: 20,
    });
    await scheduler.start();
    mounted = await mount(scheduler);
  });
  afterAll(async () => {
    await scheduler.stop();
    await mounted.close();
    await sim.close();
  });

  it('answers 409 cannot_hang_up for a call placed and not answered, and the call goes on', async () => {
    const { base } = mounted;
    const id = await placeNow(base);
    await eventually(async () =>
      ['initiated', 'ringing'].includes((await api(`${base}/${id}`)).json.status),
    );
    const res = await api(`${base}/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({
      code: 'cannot_hang_up',
      details: { reason: 'cannot_hang_up' },
    });
    expect(res.json.error.message).toMatch(/the provider mock-call-api cannot end calls/);
    expect(['initiated', 'ringing']).toContain((await api(`${base}/${id}`)).json.status);
  });
});

/** A provider whose calls ring until they are canceled; `fail` makes `cancelCall` fail. */
function ringingProvider() {
  const calls = new Map<string, CallStatus>();
  const state = { fail: false };
  const call = (id: string): ProviderCall => {
    const status = calls.get(id)!;
    return { id, status, providerStatus: status, raw: {} };
  };
  const provider: CallProvider = {
    name: 'ringing',
    capabilities: { polling: true, webhooks: false },
    async placeCall() {
      const id = `r${calls.size}`;
      calls.set(id, 'ringing');
      return call(id);
    },
    async getCall(id) {
      return call(id);
    },
    async cancelCall(id) {
      if (state.fail) throw new Error('the provider is down');
      if (calls.get(id) === 'ringing') calls.set(id, 'canceled');
      return call(id);
    },
  };
  return { provider, calls, state };
}

describe('with a provider that can end calls', () => {
  let scheduler: Scheduler;
  let mounted: Awaited<ReturnType<typeof mount>>;
  let base: string;
  const ringing = ringingProvider();

  beforeAll(async () => {
    scheduler = createScheduler({
      store: createMemoryStore(),
      provider: ringing.provider,
      callerId: '+14155550100',
      watchIntervalMs: 20,
    });
    await scheduler.start();
    mounted = await mount(scheduler);
    base = mounted.base;
  });
  afterEach(() => {
    ringing.state.fail = false;
  });
  afterAll(async () => {
    await scheduler.stop();
    await mounted.close();
  });

  async function ringingCall() {
    const id = await placeNow(base);
    await eventually(async () => (await api(`${base}/${id}`)).json.status === 'ringing');
    return id;
  }

  it('hangs up a ringing call: 200 with status canceled', async () => {
    const id = await ringingCall();
    const res = await api(`${base}/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, status: 'canceled' });
    expect(ringing.calls.get(res.json.provider_call_id)).toBe('canceled');
    expect((await api(`${base}/${id}`)).json.status).toBe('canceled');
    expect((await api(`${base}/${id}`, { method: 'DELETE' })).json.status).toBe('canceled');
  });

  it('answers 502 hang_up_failed when the provider fails, and changes nothing', async () => {
    const id = await ringingCall();
    ringing.state.fail = true;
    const res = await api(`${base}/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 'hang_up_failed' });
    expect(res.json.error.message).toMatch(/the provider is down/);
    expect((await api(`${base}/${id}`)).json.status).toBe('ringing');
  });

  it('answers 409 in_progress for an answered call', async () => {
    const id = await ringingCall();
    const call = await scheduler.get(id);
    ringing.calls.set(call.providerCallId!, 'answered');
    await eventually(async () => (await api(`${base}/${id}`)).json.status === 'answered');
    const res = await api(`${base}/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({
      code: 'in_progress',
      details: { reason: 'in_progress' },
    });
    expect(ringing.calls.get(call.providerCallId!)).toBe('answered');
  });
});
