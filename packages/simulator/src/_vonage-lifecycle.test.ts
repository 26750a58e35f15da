import { tokenGenerate } from '@vonage/jwt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatorEngine, type EngineRequest, type SimulatorEngine } from './_engine.js';
import { resolveKnobs } from './_options.js';
import type { SimulatorKnobs, VonageWebhookRequest } from './types.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';

const { applicationId, privateKey } = VONAGE_TEST_CREDENTIALS;
const START = Date.parse('2030-01-01T12:00:00.000Z');
const open: SimulatorEngine[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  for (const engine of open.splice(0)) engine.close();
  vi.useRealTimers();
});

/** A `POST /v1/calls` with the application's JWT, an NCCO and an event URL. */
function dial(extra: Record<string, unknown>): EngineRequest {
  const body = new TextEncoder().encode(
    JSON.stringify({
      to: [{ type: 'phone', number: '14155552671' }],
      from: { type: 'phone', number: '15005550006' },
      ncco: [{ action: 'talk', text: 'Hello' }],
      event_url: ['https://app.example/event'],
      ...extra,
    }),
  );
  return {
    method: 'POST',
    path: '/v1/calls',
    contentType: 'application/json',
    headers: { authorization: `Bearer ${tokenGenerate(applicationId, privateKey)}` },
    body,
    bodySize: body.length,
  };
}

/**
 * An engine on the fake clock (`now`, when given, is its clock instead of `Date.now`) whose
 * events are collected as they are sent, and a way to create calls on it.
 */
function start(knobs: Omit<SimulatorKnobs, 'flavour'> = {}, now?: () => number) {
  const sent: VonageWebhookRequest[] = [];
  const engine = createSimulatorEngine(
    resolveKnobs({
      flavour: 'vonage',
      stepMs: 5,
      seed: 21,
      deliverVonageWebhook: async (request) => void sent.push(request),
      ...knobs,
    }),
    { defaultDeliverer: async () => {}, ...(now === undefined ? {} : { now }) },
  );
  open.push(engine);
  const create = async (extra: Record<string, unknown> = {}) => {
    const response = await engine.handle(dial(extra));
    const sentBefore = sent.length;
    expect(response.status).toBe(201);
    return { uuid: (response.body as { uuid: string }).uuid, sentBefore };
  };
  const statuses = (uuid: string) =>
    sent.filter((r) => (r.event.uuid ?? r.event.call_uuid) === uuid).map((r) => r.event.status);
  const statusOf = (uuid: string) => engine.calls().find((c) => c.id === uuid)?.status;
  return { engine, sent, create, statuses, statusOf };
}

describe('the Vonage lifecycle', () => {
  it("sends an early call's started, and delivers it, before the create is answered", async () => {
    const { create, sent } = start({ earlyWebhookRate: 1, stepMs: 1000 });
    const { uuid, sentBefore } = await create();
    expect(sentBefore).toBe(1);
    expect(sent[0]?.event).toMatchObject({ uuid, status: 'started' });
  });

  it('delivers every event twice with duplicateWebhookRate 1, the same body and token', async () => {
    const { create, statuses, sent } = start({ duplicateWebhookRate: 1 });
    const { uuid } = await create();
    await vi.advanceTimersByTimeAsync(15);
    expect(statuses(uuid)).toEqual([
      'started',
      'started',
      'ringing',
      'ringing',
      'answered',
      'answered',
      'completed',
      'completed',
    ]);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('holds answered back until after completed with outOfOrderRate 1', async () => {
    const { create, statuses } = start({ outOfOrderRate: 1 });
    const { uuid } = await create();
    await vi.advanceTimersByTimeAsync(15);
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'completed', 'answered']);
  });

  it('ends a call that would ring longer than its ringing_timer with timeout, at ringing_timer', async () => {
    const { create, statuses, statusOf } = start({ stepMs: 100, ringMs: 2_000, talkMs: 60_000 });
    const { uuid } = await create({ ringing_timer: 1 });
    await vi.advanceTimersByTimeAsync(100 + 999);
    expect(statusOf(uuid)).toBe('ringing');
    await vi.advanceTimersByTimeAsync(1);
    expect(statusOf(uuid)).toBe('timeout');
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'timeout']);
  });

  it('ends a call that would talk longer than its length_timer at the limit, its duration the limit', async () => {
    const { create, statuses, statusOf, sent } = start({
      stepMs: 100,
      ringMs: 100,
      talkMs: 60_000,
    });
    const { uuid } = await create({ length_timer: 1 });
    await vi.advanceTimersByTimeAsync(200);
    expect(statusOf(uuid)).toBe('answered');
    await vi.advanceTimersByTimeAsync(999);
    expect(statusOf(uuid)).toBe('answered');
    await vi.advanceTimersByTimeAsync(1);
    expect(statusOf(uuid)).toBe('completed');
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
    const completed = sent.find((r) => r.event.status === 'completed')!.event;
    expect(completed).toMatchObject({
      duration: '1',
      start_time: new Date(START + 200).toISOString(),
      end_time: new Date(START + 1_200).toISOString(),
    });
  });

  it('tells a length_timer of 1 s as a duration of 1 s when the timers run behind the clock', async () => {
    // Node times its timers by a loop clock that can lag `Date.now()`: here the clock reads 5 ms
    // ahead of the timers when the call is answered, and level with them when the limit runs out.
    let lead = 0;
    const { create, sent } = start(
      { stepMs: 100, ringMs: 100, talkMs: 60_000 },
      () => Date.now() + lead,
    );
    const { uuid } = await create({ length_timer: 1 });
    await vi.advanceTimersByTimeAsync(199);
    lead = 5;
    await vi.advanceTimersByTimeAsync(1);
    lead = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    const completed = sent.find((r) => r.event.uuid === uuid && r.event.status === 'completed');
    expect(completed?.event).toMatchObject({
      duration: '1',
      start_time: new Date(START + 205).toISOString(),
      end_time: new Date(START + 1_205).toISOString(),
    });
  });

  it('ends the calls of outcome failed as failed, rejected or unanswered, each drawn', async () => {
    const { create, engine } = start({ outcomes: { failed: 1 } });
    for (let i = 0; i < 24; i += 1) await create();
    await vi.advanceTimersByTimeAsync(10);
    const ends = new Set(engine.calls().map((c) => c.status));
    expect([...ends].sort()).toEqual(['failed', 'rejected', 'unanswered']);
    expect(engine.calls().every((c) => c.outcome === 'failed')).toBe(true);
  });

  it('reports human or machine after answered with machine detection, continuing the call either way with continue', async () => {
    const { create, statuses, engine } = start({ machineRate: 0 });
    const { uuid } = await create({
      advanced_machine_detection: { behavior: 'continue', mode: 'detect_beep' },
    });
    await vi.advanceTimersByTimeAsync(15);
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'answered', 'human', 'completed']);
    expect(engine.calls()[0]?.answeredBy).toBe('human');

    const machines = start({ machineRate: 1 });
    const call = await machines.create({ machine_detection: 'continue' });
    await vi.advanceTimersByTimeAsync(15);
    expect(machines.statuses(call.uuid)).toEqual([
      'started',
      'ringing',
      'answered',
      'machine',
      'completed',
    ]);
    const machine = machines.sent.find((r) => r.event.status === 'machine')!.event;
    expect(machine).toMatchObject({ call_uuid: call.uuid, to: '14155552671' });
    expect(machine).not.toHaveProperty('uuid');
  });

  it('replays the same calls from the same seed', async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 2; i += 1) {
      const { create, engine } = start({
        seed: 99,
        outcomes: { completed: 1, busy: 1, failed: 1 },
      });
      const uuids: string[] = [];
      for (let j = 0; j < 6; j += 1) uuids.push((await create()).uuid);
      await vi.advanceTimersByTimeAsync(15);
      const statuses = engine.calls().map((c) => c.status);
      expect(statuses.every((s) => !['started', 'ringing', 'answered'].includes(s))).toBe(true);
      runs.push([...uuids, ...statuses]);
    }
    expect(runs[1]).toEqual(runs[0]);
  });
});
