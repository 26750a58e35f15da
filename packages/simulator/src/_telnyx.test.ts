import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatorEngine, type EngineRequest } from './_engine.js';
import { resolveKnobs } from './_options.js';
import { createRandom } from './_random.js';
import { drawTelnyxDetection } from './_telnyx-call.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
import type { SimulatorKnobs, TelnyxWebhookEvent } from './types.js';

const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
const HOOK = 'https://app.example/webhooks/telnyx';
const START = Date.parse('2030-01-01T12:00:00.000Z');

function request(method: string, path: string, body?: unknown): EngineRequest {
  const bytes = new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body));
  return {
    method,
    path,
    contentType: body === undefined ? undefined : 'application/json',
    headers: { authorization: `Bearer ${apiKey}` },
    body: bytes,
    bodySize: bytes.length,
  };
}

const dial = (fields: Record<string, unknown> = {}) =>
  request('POST', '/v2/calls', {
    connection_id: connectionId,
    from: '+15005550006',
    to: '+14155552671',
    webhook_url: HOOK,
    ...fields,
  });

/** An engine whose webhooks land in `events`, in the order they were sent. */
function engineFor(knobs: Omit<SimulatorKnobs, 'flavour'>) {
  const events: TelnyxWebhookEvent[] = [];
  const engine = createSimulatorEngine(
    resolveKnobs({
      flavour: 'telnyx',
      deliverTelnyxWebhook: async ({ event }) => void events.push(event),
      ...knobs,
    }),
    { defaultDeliverer: async () => {} },
  );
  const types = () => events.map((e) => e.data.event_type);
  const idOf = async (fields?: Record<string, unknown>) =>
    ((await engine.handle(dial(fields))).body as { data: { call_control_id: string } }).data
      .call_control_id;
  const path = (id: string, tail = '') => `/v2/calls/${encodeURIComponent(id)}${tail}`;
  return { engine, events, types, idOf, path };
}

describe('the Telnyx engine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out a call that would ring longer than its timeout_secs, at timeout_secs', async () => {
    const { engine, events, idOf } = engineFor({ stepMs: 100, ringMs: 60_000 });
    await idOf({ timeout_secs: 5 });
    await vi.advanceTimersByTimeAsync(100 + 4_999);
    expect(engine.calls()[0]?.status).toBe('initiated');
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls()[0]).toMatchObject({ status: 'hangup:timeout', outcome: 'no-answer' });
    expect(events.at(-1)?.data.payload).toMatchObject({
      hangup_cause: 'timeout',
      sip_hangup_cause: '480',
    });
    engine.close();
  });

  it('ends an answered call that outlasts its time_limit_secs with time_limit', async () => {
    const { engine, events, idOf } = engineFor({ stepMs: 100, talkMs: 120_000 });
    await idOf({ time_limit_secs: 30 });
    await vi.advanceTimersByTimeAsync(200);
    expect(engine.calls()[0]?.status).toBe('answered');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(engine.calls()[0]?.status).toBe('answered');
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls()[0]?.status).toBe('hangup:time_limit');
    expect(events.at(-1)?.data.payload.hangup_cause).toBe('time_limit');
    engine.close();
  });

  it('tells the call_duration in whole seconds from the answer, and answer to end once ended', async () => {
    const { engine, idOf, path } = engineFor({ stepMs: 1_000, talkMs: 10_500 });
    const id = await idOf();
    const duration = async () =>
      ((await engine.handle(request('GET', path(id)))).body as { data: { call_duration: number } })
        .data.call_duration;
    await vi.advanceTimersByTimeAsync(2_000 + 2_999);
    expect(await duration()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await duration()).toBe(10);
    engine.close();
  });

  it.each([
    ['detect', ['call.machine.detection.ended']],
    ['detect_words', ['call.machine.detection.ended', 'call.machine.greeting.ended']],
    ['greeting_end', ['call.machine.detection.ended', 'call.machine.greeting.ended']],
    ['premium', ['call.machine.premium.detection.ended']],
  ] as const)('reports a machine after the answer with %s', async (mode, expected) => {
    const { engine, types, events, idOf } = engineFor({ stepMs: 10, machineRate: 1, seed: 2 });
    await idOf({ answering_machine_detection: mode });
    await vi.advanceTimersByTimeAsync(20);
    expect(engine.calls()[0]?.answeredBy).toBeNull();
    await vi.advanceTimersByTimeAsync(100);
    const detection = types().filter((t) => t.startsWith('call.machine'));
    // A premium machine with a beep also sends call.machine.premium.greeting.ended.
    expect(detection.slice(0, expected.length)).toEqual(expected);
    expect(types()).toEqual(['call.initiated', 'call.answered', ...detection, 'call.hangup']);
    expect(events[2]?.data.payload.result).toBe('machine');
    expect(engine.calls()[0]).toMatchObject({ machineDetection: mode, answeredBy: 'machine' });
    engine.close();
  });

  it('sends call.machine.greeting.ended with detect_beep only when a beep is detected', async () => {
    const { engine, events, idOf } = engineFor({ stepMs: 1, machineRate: 1, seed: 5 });
    for (let i = 0; i < 20; i += 1) await idOf({ answering_machine_detection: 'detect_beep' });
    await vi.advanceTimersByTimeAsync(100);
    const greetings = events.filter((e) => e.data.event_type === 'call.machine.greeting.ended');
    expect(greetings.length).toBeGreaterThan(0);
    expect(greetings.length).toBeLessThan(20);
    expect(new Set(greetings.map((e) => e.data.payload.result))).toEqual(
      new Set(['beep_detected']),
    );
    engine.close();
  });

  it('plays speaks one after another, and ends the one playing with call_hangup on a hangup', async () => {
    const { engine, types, events, idOf, path } = engineFor({ stepMs: 100, talkMs: 60_000 });
    const id = await idOf();
    await vi.advanceTimersByTimeAsync(200);
    for (const payload of ['one', 'two']) {
      await engine.handle(request('POST', path(id, '/actions/speak'), { payload, voice: 'male' }));
    }
    await vi.advanceTimersByTimeAsync(150);
    expect(types().slice(2)).toEqual([
      'call.speak.started',
      'call.speak.ended',
      'call.speak.started',
    ]);
    await engine.handle(request('POST', path(id, '/actions/hangup')));
    await vi.advanceTimersByTimeAsync(0);
    expect(types().slice(5)).toEqual(['call.speak.ended', 'call.hangup']);
    expect(events[5]?.data.payload.status).toBe('call_hangup');
    expect(engine.calls()[0]).toMatchObject({
      spoken: ['one', 'two'],
      hangupCause: 'normal_clearing',
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toHaveLength(7);
    engine.close();
  });

  it('sends call.initiated before the hangup of a call hung up at once', async () => {
    const { engine, types, idOf, path } = engineFor({ stepMs: 1_000 });
    const id = await idOf();
    await engine.handle(request('POST', path(id, '/actions/hangup'), {}));
    await vi.advanceTimersByTimeAsync(0);
    expect(types()).toEqual(['call.initiated', 'call.hangup']);
    expect(engine.calls()[0]?.hangupCause).toBe('originator_cancel');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(types()).toHaveLength(2);
    engine.close();
  });

  it('answers a dial after responseDelayMs, the call made meanwhile', async () => {
    const { engine } = engineFor({ stepMs: 60_000, responseDelayMs: 500 });
    let answered = false;
    const pending = engine.handle(dial()).then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(499);
    expect([answered, engine.calls().length]).toEqual([false, 1]);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(answered).toBe(true);
    engine.close();
  });

  it('replays the same calls for the same seed, and draws nothing for options left out', async () => {
    const run = async (seed: number, first: Record<string, unknown> = {}) => {
      vi.setSystemTime(START);
      const { engine, idOf } = engineFor({
        seed,
        stepMs: [10, 1000],
        outcomes: { completed: 1, busy: 1 },
      });
      const ids = [await idOf(first), await idOf(), await idOf()];
      const outcomes = engine.calls().map((c) => c.outcome);
      engine.close();
      return { ids, outcomes };
    };
    const plain = await run(7);
    expect(await run(7)).toEqual(plain);
    expect((await run(8)).ids).not.toEqual(plain.ids);
    expect(await run(7, { client_state: 'aGk=', timeout_secs: 60, command_id: 'x' })).toEqual(
      plain,
    );
    expect((await run(7, { answering_machine_detection: 'detect' })).ids[1]).not.toBe(plain.ids[1]);
  });

  it('clears every timer on close and answers 503 afterwards', async () => {
    const { engine, idOf } = engineFor({ stepMs: 100 });
    await idOf();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    engine.close();
    expect(vi.getTimerCount()).toBe(0);
    const answer = await engine.handle(dial());
    expect(answer.status).toBe(503);
  });
});

describe('Telnyx machine detection draws', () => {
  it('answers machineRate of the calls with a machine, and a few rare results', () => {
    const random = createRandom(42);
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i += 1) {
      const { result } = drawTelnyxDetection(random, 0.3, 'premium');
      counts.set(result, (counts.get(result) ?? 0) + 1);
    }
    const share = (word: string) => (counts.get(word) ?? 0) / draws;
    expect([...counts.keys()].sort()).toEqual([
      'fax_detected',
      'human_business',
      'human_residence',
      'machine',
      'silence',
    ]);
    expect(share('machine') + share('fax_detected')).toBeCloseTo(0.3, 1);
    expect(share('silence')).toBeGreaterThan(0.006);
    expect(share('silence')).toBeLessThan(0.015);
  });

  it('answers only humans at machineRate 0 and only machines at 1', () => {
    const random = createRandom(1);
    for (let i = 0; i < 200; i += 1) {
      expect(drawTelnyxDetection(random, 0, 'detect').result).toBe('human');
      expect(drawTelnyxDetection(random, 1, 'greeting_end')).toMatchObject({ result: 'machine' });
    }
  });
});
