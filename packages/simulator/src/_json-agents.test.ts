/**
 * Simulated agents of the polling and webhook flavours, on the engine with fake time: a
 * connected call's agent answers and talks, an abandoned call's message is spoken, each then
 * completes; who answered; the outcome rates; `timeScale`; the refusals.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatorEngine, type EngineRequest } from './_engine.js';
import { resolveKnobs } from './_options.js';
import type { SimulatorEvent, SimulatorKnobs, SimulatorWebhookBody } from './types.js';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');

function post(path: string, body: unknown, contentType = 'application/json'): EngineRequest {
  const bytes = new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  return { method: 'POST', path, contentType, body: bytes, bodySize: bytes.length };
}
const get = (path: string): EngineRequest => ({
  method: 'GET',
  path,
  contentType: undefined,
  body: new Uint8Array(),
  bodySize: 0,
});

/** Steps of 100 ms, a person who stays a minute, an agent who answers in 300 ms and talks 5 s. */
const BASE = {
  stepMs: 100,
  talkMs: 60_000,
  agentAnswerMs: 300,
  talkMeanMs: 5000,
  talkSigma: 0,
} satisfies Omit<SimulatorKnobs, 'flavour'>;

function simulator(flavour: 'polling' | 'webhook', knobs: Omit<SimulatorKnobs, 'flavour'> = {}) {
  const events: SimulatorEvent[] = [];
  const hooks: SimulatorWebhookBody[] = [];
  const engine = createSimulatorEngine(
    resolveKnobs({ flavour, ...BASE, ...knobs, onEvent: (e) => events.push(e) }),
    { defaultDeliverer: async (_url, body) => void hooks.push(body) },
  );
  const prefix = flavour === 'polling' ? '/api/call' : '/call';
  return {
    engine,
    events,
    hooks,
    async dial(): Promise<string> {
      const answer = await engine.handle(
        flavour === 'polling'
          ? post(prefix, { phone_number: '+14155552671' })
          : post(prefix, { phone: '14155552671', webhookURL: 'https://app.example/h' }),
      );
      return String((answer.body as { id: unknown }).id);
    },
    connect: (id: string, body: unknown) => engine.handle(post(`${prefix}/${id}/connect`, body)),
    abandon: (id: string, body: unknown) => engine.handle(post(`${prefix}/${id}/abandon`, body)),
    call: () => engine.calls()[0]!,
  };
}

/** Moves the fake clock to `ms` after T0, running the timers due on the way. */
const at = (ms: number) => vi.advanceTimersByTimeAsync(T0 + ms - Date.now());

beforeEach(() => vi.useFakeTimers({ now: T0 }));
afterEach(() => vi.useRealTimers());

describe.each(['polling', 'webhook'] as const)('the %s flavour: connect', (flavour) => {
  it('rings the agent, who answers after agentAnswerMs, talks talkMeanMs, then the call completes', async () => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250); // answered at 200
    const ringS = flavour === 'polling' ? { ring_s: 15 } : { ringS: 15 };
    const answer = await sim.connect(id, { to: '+14155550123', ...ringS });
    expect(answer.status).toBe(200);
    const answered = flavour === 'polling' ? 'connected' : 'answered';
    expect(answer.body).toMatchObject({ status: answered });
    const leg = { id: `${id}-agent`, to: '+14155550123' };
    expect(sim.call()).toMatchObject({
      status: answered,
      forwards: [{ ...leg, status: 'ringing' }],
    });
    await at(549);
    expect(sim.call().forwards).toEqual([{ ...leg, status: 'ringing' }]);
    await at(550);
    expect(sim.call().forwards).toEqual([{ ...leg, status: 'in-progress' }]);
    await at(5549);
    expect(sim.call().status).toBe(answered);
    await at(5550);
    expect(sim.call()).toMatchObject({
      status: 'completed',
      forwards: [{ ...leg, status: 'completed', durationS: 5 }],
    });
    // The person's own end (a minute after the answer) is gone.
    await at(70_000);
    const ends = sim.events.filter((e) => e.type === 'status' && e.status === 'completed');
    expect(ends).toHaveLength(1);
    expect(
      sim.events.flatMap((e) =>
        e.type === 'forward' ? [[e.forward.status, e.at.getTime() - T0]] : [],
      ),
    ).toEqual([
      ['ringing', 250],
      ['in-progress', 550],
      ['completed', 5550],
    ]);
    if (flavour === 'webhook') {
      expect(sim.hooks.map((h) => h.status)).toEqual(['ringing', 'answered', 'completed']);
    }
  });

  it('tells the agent rung, then answering, even one who answers at once', async () => {
    const sim = simulator(flavour, { agentAnswerMs: 0 });
    const id = await sim.dial();
    await at(250);
    await sim.connect(id, { to: '+14155550123' });
    expect(sim.call().forwards?.[0]?.status).toBe('in-progress');
    await at(6000);
    const told = sim.events.flatMap((e) => (e.type === 'forward' ? [e.forward.status] : []));
    expect(told).toEqual(['ringing', 'in-progress', 'completed']);
  });

  it('ends the call when the agent lets it ring past the ring time', async () => {
    const sim = simulator(flavour, { agentAnswerMs: 6000 });
    const id = await sim.dial();
    await at(250);
    await sim.connect(id, {
      to: 'sip:ana@pbx.example.com',
      ...(flavour === 'polling' ? { ring_s: 5 } : { ringS: 5 }),
    });
    await at(5249);
    expect(sim.call().forwards?.[0]?.status).toBe('ringing');
    await at(5250);
    expect(sim.call()).toMatchObject({
      status: 'completed',
      forwards: [{ to: 'sip:ana@pbx.example.com', status: 'no-answer' }],
    });
  });

  it('rings 20 s when the ring time is left out', async () => {
    const sim = simulator(flavour, { agentAnswerMs: 20_001 });
    const id = await sim.dial();
    await at(250);
    await sim.connect(id, { to: '+14155550123' });
    await at(20_249);
    expect(sim.call().status).not.toBe('completed');
    await at(20_250);
    expect(sim.call()).toMatchObject({ status: 'completed', forwards: [{ status: 'no-answer' }] });
  });

  it('draws the talk times lognormal around talkMeanMs, the same for the same seed', async () => {
    const talks = async (seed: number) => {
      vi.setSystemTime(T0);
      const sim = simulator(flavour, {
        seed,
        talkSigma: 0.8,
        talkMeanMs: 120_000,
        talkMs: 86_400_000,
      });
      const ids = [];
      for (let i = 0; i < 400; i++) ids.push(await sim.dial());
      await at(250);
      for (const id of ids) await sim.connect(id, { to: '+14155550123' });
      await at(100 * 86_400_000);
      return sim.engine.calls().map((c) => c.forwards![0]!.durationS!);
    };
    const first = await talks(3);
    expect(await talks(3)).toEqual(first);
    const mean = first.reduce((sum, s) => sum + s, 0) / first.length;
    expect(mean).toBeGreaterThan(100);
    expect(mean).toBeLessThan(140);
    const median = [...first].sort((a, b) => a - b)[200]!;
    // A lognormal's median is mean × e^(−σ²/2): about 87 s here, well below the mean.
    expect(median).toBeGreaterThan(70);
    expect(median).toBeLessThan(100);
  });
});

describe.each(['polling', 'webhook'] as const)('the %s flavour: abandon', (flavour) => {
  it('speaks the message for a time drawn from its length, then completes', async () => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250);
    const message = 'Acme calling about your order; call us back on 415 555 0100.'; // 60 characters
    const answer = await sim.abandon(id, { message: `  ${message} ` });
    expect(answer.status).toBe(200);
    expect(sim.call().spoken).toEqual([message]);
    expect(sim.events.filter((e) => e.type === 'spoken')).toMatchObject([{ text: message }]);
    // 70 ms a character, give or take 15 %: between 3570 and 4830 ms.
    await at(250 + 3569);
    expect(sim.call().status).not.toBe('completed');
    await at(250 + 4830);
    expect(sim.call().status).toBe('completed');
    expect(sim.call()).not.toHaveProperty('forwards');
  });

  it('takes longer over a longer message', async () => {
    const endOf = async (message: string) => {
      vi.setSystemTime(T0);
      const sim = simulator(flavour, { seed: 1 });
      const id = await sim.dial();
      await at(250);
      await sim.abandon(id, { message });
      let ms = 250;
      while (sim.call().status !== 'completed') await at((ms += 10));
      return ms;
    };
    expect(await endOf('x'.repeat(400))).toBeGreaterThan(2 * (await endOf('x'.repeat(100))));
  });
});

describe.each(['polling', 'webhook'] as const)('the %s flavour: refusals', (flavour) => {
  const to = { to: '+14155550123' };

  it.each([
    ['a call not answered yet', 150, [], 'not_answered'],
    ['a call connected already', 250, ['connect'], 'already_connected'],
    ['a call abandoned already', 250, ['abandon'], 'already_abandoned'],
    ['a call that has ended', 70_000, [], 'call_ended'],
  ] as const)('answers 409 to a connect or abandon of %s', async (_, ms, before, code) => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(ms);
    for (const action of before) {
      const first =
        action === 'connect'
          ? await sim.connect(id, to)
          : await sim.abandon(id, { message: 'Bye.' });
      expect(first.status).toBe(200);
    }
    for (const answer of [await sim.connect(id, to), await sim.abandon(id, { message: 'Bye.' })]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({ error: { code, message: expect.stringContaining(id) } });
    }
    expect(sim.events.filter((e) => e.type === 'rejected')).toMatchObject([
      { httpStatus: 409, code },
      { httpStatus: 409, code },
    ]);
  });

  it('answers 409 call_ended once a connected call has completed', async () => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250);
    await sim.connect(id, to);
    await at(6000);
    expect((await sim.connect(id, to)).body).toMatchObject({ error: { code: 'call_ended' } });
  });

  it('answers 409 call_ended to a call that ended busy', async () => {
    const sim = simulator(flavour, { outcomes: { busy: 1 } });
    const id = await sim.dial();
    await at(250);
    expect((await sim.abandon(id, { message: 'Bye.' })).body).toMatchObject({
      error: { code: 'call_ended' },
    });
  });

  it('answers 404 for an unknown call and 405 for a GET', async () => {
    const sim = simulator(flavour);
    const prefix = flavour === 'polling' ? '/api/call' : '/call';
    expect((await sim.connect('nope', to)).status).toBe(404);
    const wrong = await sim.engine.handle(get(`${prefix}/1001/connect`));
    expect(wrong).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });

  const ring = flavour === 'polling' ? 'ring_s' : 'ringS';
  it.each([
    ['a target that is no number', { to: 'nobody' }, 'to must be a phone number in E.164'],
    ['a number not in E.164', { to: '4155550123' }, 'to must be a phone number in E.164'],
    ['a SIP URI without a host', { to: 'sip:ana' }, 'or a SIP URI'],
    ['no target', {}, 'to must be a string'],
    ['a ring under 5 s', { ...to, [ring]: 4 }, `${ring} must be between 5 and 600`],
    ['a ring over 600 s', { ...to, [ring]: 601 }, `${ring} must be between 5 and 600`],
    ['a ring of part seconds', { ...to, [ring]: 7.5 }, `${ring} must be a whole number`],
    ['a ring as text', { ...to, [ring]: '20' }, `${ring} must be a whole number`],
    [
      'the other flavour’s ring',
      { ...to, [flavour === 'polling' ? 'ringS' : 'ring_s']: 9 },
      'did you mean',
    ],
  ])('answers 400 to a connect with %s', async (_, body, says) => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250);
    const answer = await sim.connect(id, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'invalid_request' } });
    expect((answer.body as { error: { message: string } }).error.message).toContain(says);
    expect(sim.call()).not.toHaveProperty('forwards');
  });

  it.each([
    ['an empty message', { message: '' }, 'message must not be empty'],
    ['a blank message', { message: ' \t ' }, 'message must not be empty'],
    ['a message over 3,000 characters', { message: 'a'.repeat(3001) }, 'at most 3000 characters'],
    ['no message', {}, 'message must be a string'],
  ])('answers 400 to an abandon with %s', async (_, body, says) => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250);
    const answer = await sim.abandon(id, body);
    expect(answer.status).toBe(400);
    expect((answer.body as { error: { message: string } }).error.message).toContain(says);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const sim = simulator(flavour);
    const id = await sim.dial();
    await at(250);
    const prefix = flavour === 'polling' ? '/api/call' : '/call';
    const notJson = await sim.engine.handle(
      post(`${prefix}/${id}/abandon`, '{', 'application/json'),
    );
    const form = await sim.engine.handle(
      post(`${prefix}/${id}/abandon`, 'message=x', 'text/plain'),
    );
    expect([notJson.status, form.status]).toEqual([400, 400]);
  });
});

describe.each(['polling', 'webhook'] as const)('the %s flavour: who answers', (flavour) => {
  it('says who answered once the call is answered, and only with humanRate or machineRate', async () => {
    for (const [knobs, expected] of [
      [{ humanRate: 1 }, 'human'],
      [{ humanRate: 0, machineRate: 1 }, 'machine'],
    ] as const) {
      vi.setSystemTime(T0);
      const sim = simulator(flavour, { ...knobs, talkMs: 100 });
      const id = await sim.dial();
      await at(150);
      expect(sim.call().answeredBy).toBeNull();
      if (flavour === 'polling') {
        expect((await sim.engine.handle(get(`/api/call/${id}`))).body).not.toHaveProperty(
          'answered_by',
        );
      }
      await at(250);
      expect(sim.call().answeredBy).toBe(expected);
      if (flavour === 'polling') {
        expect((await sim.engine.handle(get(`/api/call/${id}`))).body).toMatchObject({
          status: 'connected',
          answered_by: expected,
        });
      }
      await at(400);
      if (flavour === 'webhook') {
        expect(sim.hooks).toEqual([
          { id: 1001, status: 'ringing' },
          { id: 1001, status: 'answered', answered_by: expected },
          { id: 1001, status: 'completed', answered_by: expected },
        ]);
      }
    }
    vi.setSystemTime(T0);
    const plain = simulator(flavour, { talkMs: 100 });
    const id = await plain.dial();
    await at(400);
    expect(plain.call()).not.toHaveProperty('answeredBy');
    if (flavour === 'polling') {
      expect((await plain.engine.handle(get(`/api/call/${id}`))).body).not.toHaveProperty(
        'answered_by',
      );
    } else {
      expect(plain.hooks.map((h) => Object.keys(h))).toEqual([
        ['id', 'status'],
        ['id', 'status'],
        ['id', 'status'],
      ]);
    }
  });

  it('answers humanRate of the calls with a person, machineRate with a machine, and rings the rest out', async () => {
    const sim = simulator(flavour, { seed: 5, humanRate: 0.2, machineRate: 0.15 });
    for (let i = 0; i < 4000; i++) await sim.dial();
    await at(1000);
    const calls = sim.engine.calls();
    const share = (test: (c: (typeof calls)[number]) => boolean) =>
      calls.filter(test).length / calls.length;
    expect(share((c) => c.answeredBy === 'human')).toBeCloseTo(0.2, 1);
    expect(share((c) => c.answeredBy === 'machine')).toBeCloseTo(0.15, 1);
    expect(share((c) => c.outcome === 'no-answer')).toBeCloseTo(0.65, 1);
    expect(share((c) => c.outcome === 'completed')).toBeCloseTo(0.35, 1);
  });

  it('ends the calls nobody answers as the outcomes weigh busy, no-answer and failed', async () => {
    const sim = simulator(flavour, {
      seed: 6,
      humanRate: 0.5,
      outcomes: { completed: 9, busy: 1, failed: 1 },
    });
    for (let i = 0; i < 2000; i++) await sim.dial();
    await at(1000);
    const calls = sim.engine.calls();
    const count = (outcome: string) =>
      calls.filter((c) => c.outcome === outcome).length / calls.length;
    expect(count('completed')).toBeCloseTo(0.5, 1);
    expect(count('busy')).toBeCloseTo(0.25, 1);
    expect(count('failed')).toBeCloseTo(0.25, 1);
    expect(count('no-answer')).toBe(0);
  });

  it('with machineRate alone, takes the machines from the calls the outcomes answer', async () => {
    const sim = simulator(flavour, {
      seed: 7,
      machineRate: 0.3,
      outcomes: { completed: 1, busy: 1 },
    });
    for (let i = 0; i < 2000; i++) await sim.dial();
    await at(1000);
    const calls = sim.engine.calls();
    const share = (by: string) => calls.filter((c) => c.answeredBy === by).length / calls.length;
    expect(share('machine')).toBeCloseTo(0.3, 1);
    expect(share('human')).toBeCloseTo(0.2, 1);
    expect(calls.filter((c) => c.outcome === 'busy').length / calls.length).toBeCloseTo(0.5, 1);
  });
});

describe.each(['polling', 'webhook'] as const)('the %s flavour: timeScale', (flavour) => {
  it('runs every step, ring, agent and talk timeScale times faster', async () => {
    const sim = simulator(flavour, { timeScale: 10 });
    const id = await sim.dial();
    await at(19);
    expect(sim.call().status).toBe('ringing'); // the step of 100 ms took 10
    await at(20);
    await sim.connect(id, { to: '+14155550123' });
    await at(20 + 29);
    expect(sim.call().forwards?.[0]?.status).toBe('ringing');
    await at(20 + 30); // the agent's 300 ms took 30
    expect(sim.call().forwards?.[0]?.status).toBe('in-progress');
    await at(20 + 30 + 499);
    expect(sim.call().status).not.toBe('completed');
    await at(20 + 30 + 500); // the talk of 5 s took 500 ms
    expect(sim.call().status).toBe('completed');
  });

  it('speaks an abandoned call’s message timeScale times faster', async () => {
    const sim = simulator(flavour, { timeScale: 100 });
    const id = await sim.dial();
    await at(2);
    await sim.abandon(id, { message: 'x'.repeat(1000) }); // 59.5 to 80.5 s of speech
    await at(2 + 594);
    expect(sim.call().status).not.toBe('completed');
    await at(2 + 806);
    expect(sim.call().status).toBe('completed');
  });

  it('leaves a person nobody connects to hang up after the talk time, scaled', async () => {
    const sim = simulator(flavour, { timeScale: 10 });
    await sim.dial();
    await at(20 + 5999);
    expect(sim.call().status).not.toBe('completed');
    await at(20 + 6000);
    expect(sim.call().status).toBe('completed');
  });
});
