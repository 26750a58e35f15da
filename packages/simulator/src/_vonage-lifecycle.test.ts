import { tokenGenerate } from '@vonage/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  startCallApiSimulator,
  VONAGE_TEST_CREDENTIALS,
  type CallApiSimulator,
  type SimulatorOptions,
  type VonageWebhookRequest,
} from './index.js';

const { applicationId, privateKey } = VONAGE_TEST_CREDENTIALS;
const WAIT = { timeout: 5000, interval: 5 };
const open: CallApiSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

/** A simulator whose events are collected as they are sent, and a way to create calls on it. */
async function start(options: Omit<SimulatorOptions, 'flavour'> = {}) {
  const sent: VonageWebhookRequest[] = [];
  const sim = await startCallApiSimulator({
    flavour: 'vonage',
    stepMs: 5,
    seed: 21,
    deliverVonageWebhook: async (request) => void sent.push(request),
    ...options,
  });
  open.push(sim);
  const create = async (extra: Record<string, unknown> = {}) => {
    const response = await fetch(`${sim.url}/v1/calls`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokenGenerate(applicationId, privateKey)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        to: [{ type: 'phone', number: '14155552671' }],
        from: { type: 'phone', number: '15005550006' },
        ncco: [{ action: 'talk', text: 'Hello' }],
        event_url: ['https://app.example/event'],
        ...extra,
      }),
    });
    const sentBefore = sent.length;
    expect(response.status).toBe(201);
    const body = (await response.json()) as { uuid: string };
    return { uuid: body.uuid, sentBefore };
  };
  const statuses = (uuid: string) =>
    sent.filter((r) => (r.event.uuid ?? r.event.call_uuid) === uuid).map((r) => r.event.status);
  return { sim, sent, create, statuses };
}

describe('the Vonage lifecycle', () => {
  it("sends an early call's started, and delivers it, before the create is answered", async () => {
    const { create, sent } = await start({ earlyWebhookRate: 1, stepMs: 1000 });
    const { uuid, sentBefore } = await create();
    expect(sentBefore).toBe(1);
    expect(sent[0]?.event).toMatchObject({ uuid, status: 'started' });
  });

  it('delivers every event twice with duplicateWebhookRate 1, the same body and token', async () => {
    const { create, statuses, sent } = await start({ duplicateWebhookRate: 1 });
    const { uuid } = await create();
    await vi.waitFor(() => expect(statuses(uuid)).toHaveLength(8), WAIT);
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
    const { create, statuses } = await start({ outOfOrderRate: 1 });
    const { uuid } = await create();
    await vi.waitFor(() => expect(statuses(uuid)).toHaveLength(4), WAIT);
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'completed', 'answered']);
  });

  it('ends a call that would ring longer than its ringing_timer with timeout, and one that would talk longer than its length_timer at the limit', async () => {
    const { create, statuses, sim } = await start({ ringMs: 2_000, talkMs: 60_000 });
    const { uuid } = await create({ ringing_timer: 1 });
    await vi.waitFor(() => expect(statuses(uuid).at(-1)).toBe('timeout'), WAIT);
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'timeout']);

    const limited = await start({ ringMs: 5, talkMs: 60_000 });
    const call = await limited.create({ length_timer: 1 });
    await vi.waitFor(() => expect(limited.statuses(call.uuid).at(-1)).toBe('completed'), WAIT);
    const completed = limited.sent.find((r) => r.event.status === 'completed')!.event;
    expect(completed.duration).toBe('1');
    expect(sim.calls()[0]?.status).toBe('timeout');
  });

  it('ends the calls of outcome failed as failed, rejected or unanswered, each drawn', async () => {
    const { create, sim } = await start({ outcomes: { failed: 1 } });
    for (let i = 0; i < 24; i += 1) await create();
    await vi.waitFor(
      () => expect(sim.calls().every((c) => !['started', 'ringing'].includes(c.status))).toBe(true),
      WAIT,
    );
    const ends = new Set(sim.calls().map((c) => c.status));
    expect([...ends].sort()).toEqual(['failed', 'rejected', 'unanswered']);
    expect(sim.calls().every((c) => c.outcome === 'failed')).toBe(true);
  });

  it('reports human or machine after answered with machine detection, continuing the call either way with continue', async () => {
    const { create, statuses, sim } = await start({ machineRate: 0 });
    const { uuid } = await create({
      advanced_machine_detection: { behavior: 'continue', mode: 'detect_beep' },
    });
    await vi.waitFor(() => expect(statuses(uuid).at(-1)).toBe('completed'), WAIT);
    expect(statuses(uuid)).toEqual(['started', 'ringing', 'answered', 'human', 'completed']);
    expect(sim.calls()[0]?.answeredBy).toBe('human');

    const machines = await start({ machineRate: 1 });
    const call = await machines.create({ machine_detection: 'continue' });
    await vi.waitFor(() => expect(machines.statuses(call.uuid).at(-1)).toBe('completed'), WAIT);
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
      const { create, sim } = await start({
        seed: 99,
        outcomes: { completed: 1, busy: 1, failed: 1 },
      });
      const uuids: string[] = [];
      for (let j = 0; j < 6; j += 1) uuids.push((await create()).uuid);
      await vi.waitFor(
        () =>
          expect(
            sim
              .calls()
              .every(
                (c) => c.status !== 'started' && c.status !== 'ringing' && c.status !== 'answered',
              ),
          ).toBe(true),
        WAIT,
      );
      runs.push([...uuids, ...sim.calls().map((c) => c.status)]);
    }
    expect(runs[1]).toEqual(runs[0]);
  });
});
