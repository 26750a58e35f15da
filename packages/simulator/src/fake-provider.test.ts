import { describe, expect, it } from 'vitest';
import {
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  type CallStatus,
} from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from './fake-provider.js';

const BOB = '+14155552671';
const T0 = Date.UTC(2026, 5, 1);

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A deferred gate. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('createFakeProvider, unattended', () => {
  it('answers each placement at once and walks the default script, one status per getCall', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock });
    expect(provider.name).toBe('fake');
    expect(provider.capabilities).toEqual({ polling: true, webhooks: false, options: [] });
    expect(provider.cancelCall).toBeUndefined();
    expect(provider.hangUpCall).toBeUndefined();

    const call = await provider.placeCall({ to: BOB });
    expect(call).toEqual({
      id: 'p0',
      status: 'initiated',
      providerStatus: 'initiated',
      raw: { id: 'p0', status: 'initiated' },
    });
    const seen: CallStatus[] = [];
    for (let i = 0; i < 5; i++) seen.push((await provider.getCall!('p0')).status);
    expect(seen).toEqual(['ringing', 'answered', 'completed', 'completed', 'completed']);
    expect(provider.statusOf('p0')).toBe('completed');
    expect(provider.placed).toMatchObject([
      { n: 0, to: BOB, request: { to: BOB }, at: new Date(T0), id: 'p0', state: 'answered' },
    ]);
  });

  it('numbers its calls p0, p1, … and reads `at` from its clock', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock });
    await provider.placeCall({ to: BOB });
    await clock.advance(1_500);
    const second = await provider.placeCall({ to: '+14155550123' });
    expect(second.id).toBe('p1');
    expect(provider.placed.map((p) => [p.n, p.id, p.at.getTime() - T0])).toEqual([
      [0, 'p0', 0],
      [1, 'p1', 1_500],
    ]);
  });

  it('takes each call’s script, first answer and who answered from its options', async () => {
    const provider = createFakeProvider({
      script: (to, n) => (n === 0 ? ['busy'] : ['ringing', 'no-answer']),
      initialStatus: (_to, n) => (n === 0 ? 'queued' : 'ringing'),
      answeredBy: (_to, n) => (n === 1 ? 'machine' : undefined),
    });
    const first = await provider.placeCall({ to: BOB });
    const second = await provider.placeCall({ to: BOB });
    expect([first.status, second.status]).toEqual(['queued', 'ringing']);
    expect(first.answeredBy).toBeUndefined();
    expect(second.answeredBy).toBe('machine');
    expect((await provider.getCall!('p0')).status).toBe('busy');
    expect((await provider.getCall!('p0')).status).toBe('busy');
    expect(await provider.getCall!('p1')).toMatchObject({
      status: 'ringing',
      answeredBy: 'machine',
    });
    expect((await provider.getCall!('p1')).status).toBe('no-answer');
  });

  it('answers `initiated` for a call it never placed', async () => {
    const provider = createFakeProvider();
    expect((await provider.getCall!('nope')).status).toBe('initiated');
  });

  it('is followed by webhooks with no getCall, unless one is given', async () => {
    const webhooks = createFakeProvider({ follow: 'webhooks', name: 'hooks' });
    expect(webhooks.name).toBe('hooks');
    expect(webhooks.capabilities).toMatchObject({ polling: false, webhooks: true });
    expect(webhooks.getCall).toBeUndefined();

    const getCall = async (id: string) => ({
      id,
      status: 'failed' as const,
      providerStatus: 'failed',
      raw: {},
    });
    const checked = createFakeProvider({ follow: 'webhooks', getCall });
    expect(checked.capabilities.polling).toBe(false);
    expect(checked.getCall).toBe(getCall);
    expect(createFakeProvider({ getCall }).getCall).toBe(getCall);
  });

  it('fails a placement when onPlace throws, and records it failed with no id', async () => {
    const boom = new Error('refused');
    const provider = createFakeProvider({
      onPlace: (_to, n) => {
        if (n === 0) throw boom;
      },
    });
    await expect(provider.placeCall({ to: BOB })).rejects.toBe(boom);
    await expect(provider.placeCall({ to: BOB })).resolves.toMatchObject({ id: 'p1' });
    expect(provider.placed.map((p) => [p.state, p.id])).toEqual([
      ['failed', undefined],
      ['answered', 'p1'],
    ]);
    expect(provider.inFlight).toBe(0);
  });

  it('counts the placements held in onPlace as in flight, and the most at once', async () => {
    const held = gate();
    const provider = createFakeProvider({ onPlace: () => held.promise });
    const calls = [1, 2, 3].map(() => provider.placeCall({ to: BOB }));
    await settle();
    expect(provider.inFlight).toBe(3);
    expect(provider.placed.map((p) => p.state)).toEqual(['pending', 'pending', 'pending']);
    held.open();
    await Promise.all(calls);
    expect(provider.inFlight).toBe(0);
    expect(provider.maxInFlight).toBe(3);
  });

  it('refuses call options it does not honour or that are invalid, as a client does, and records the request', async () => {
    const plain = createFakeProvider();
    const error = await plain.placeCall({ to: BOB, say: 'Hello' }).catch((e: unknown) => e);
    expect(isUnsupportedCallOptionError(error)).toBe(true);
    expect(String(error)).toMatch(/say/);
    const invalid = await plain.placeCall({ to: BOB, say: 42 } as never).catch((e: unknown) => e);
    expect(isInvalidOptionsError(invalid)).toBe(true);
    expect(plain.placed).toMatchObject([
      { state: 'failed', request: { to: BOB, say: 'Hello' } },
      { state: 'failed', request: { to: BOB, say: 42 } },
    ]);

    const speaking = createFakeProvider({ callOptions: ['say'] });
    expect(speaking.capabilities.options).toEqual(['say']);
    await expect(speaking.placeCall({ to: BOB, say: 'Hello' })).resolves.toMatchObject({
      id: 'p0',
    });
  });

  it('cancels a call not answered yet, and leaves an answered or ended one as it is', async () => {
    const provider = createFakeProvider({ cancelCall: true });
    for (let i = 0; i < 3; i++) await provider.placeCall({ to: BOB });
    provider.setStatus('p1', 'answered');
    provider.setStatus('p2', 'busy');
    const results = await Promise.all(['p0', 'p1', 'p2'].map((id) => provider.cancelCall!(id)));
    expect(results.map((r) => r.status)).toEqual(['canceled', 'answered', 'busy']);
    expect(provider.cancels.map((c) => [c.id, c.result?.status])).toEqual([
      ['p0', 'canceled'],
      ['p1', 'answered'],
      ['p2', 'busy'],
    ]);
    // A canceled call stays canceled for getCall; the answered one goes on with its script.
    expect((await provider.getCall!('p0')).status).toBe('canceled');
    expect((await provider.getCall!('p1')).status).toBe('ringing');
    expect(provider.hangUpCall).toBeUndefined();
  });

  it('hangs up an answered call completed, an unanswered one canceled, an ended one as it is', async () => {
    const provider = createFakeProvider({ hangUpCall: true });
    for (let i = 0; i < 3; i++) await provider.placeCall({ to: BOB });
    provider.setStatus('p0', 'answered');
    provider.setStatus('p2', 'completed');
    const results = await Promise.all(['p0', 'p1', 'p2'].map((id) => provider.hangUpCall!(id)));
    expect(results.map((r) => r.status)).toEqual(['completed', 'canceled', 'completed']);
    expect(provider.hangUps.map((h) => h.id)).toEqual(['p0', 'p1', 'p2']);
    expect(provider.cancelCall).toBeUndefined();
  });

  it('runs onCancel first: it may move the call, or fail the request', async () => {
    const provider = createFakeProvider({
      cancelCall: true,
      onCancel: (id) => {
        if (id === 'p1') throw new Error('provider down');
        provider.setStatus(id, 'answered');
      },
    });
    await provider.placeCall({ to: BOB });
    await provider.placeCall({ to: BOB });
    expect((await provider.cancelCall!('p0')).status).toBe('answered');
    await expect(provider.cancelCall!('p1')).rejects.toThrow('provider down');
    expect(provider.cancels[1]!.result).toBeUndefined();
  });
});

describe('createFakeProvider, manual', () => {
  it('leaves each placement pending until the test answers it', async () => {
    const provider = createFakeProvider({ manual: true, follow: 'webhooks' });
    const controller = new AbortController();
    let answered: unknown;
    void provider.placeCall({ to: BOB, signal: controller.signal }).then((c) => (answered = c));
    await settle();
    expect(answered).toBeUndefined();
    const [placement] = provider.placed;
    expect(placement).toMatchObject({ to: BOB, state: 'pending', id: undefined });
    expect(placement!.signal).toBe(controller.signal);
    expect(provider.inFlight).toBe(1);

    placement!.answer('c0', 'ringing', { providerStatus: 'Ringing', answeredBy: 'human' });
    await settle();
    expect(answered).toEqual({
      id: 'c0',
      status: 'ringing',
      providerStatus: 'Ringing',
      answeredBy: 'human',
      raw: { id: 'c0', status: 'ringing' },
    });
    expect(placement).toMatchObject({ state: 'answered', id: 'c0' });
    expect(provider.statusOf('c0')).toBe('ringing');
    expect(provider.inFlight).toBe(0);
  });

  it('answers `initiated` by default, fails on fail(), and ignores a second answer', async () => {
    const provider = createFakeProvider({ manual: true });
    const first = provider.placeCall({ to: BOB });
    const second = provider.placeCall({ to: BOB });
    await settle();
    provider.placed[0]!.answer('a');
    provider.placed[0]!.fail(new Error('too late'));
    const boom = new Error('503');
    provider.placed[1]!.fail(boom);
    provider.placed[1]!.answer('b');
    await expect(first).resolves.toMatchObject({ id: 'a', status: 'initiated' });
    await expect(second).rejects.toBe(boom);
    expect(provider.placed.map((p) => [p.state, p.id])).toEqual([
      ['answered', 'a'],
      ['failed', undefined],
    ]);
  });

  it('walks the script from the id the test gave, when followed by polling', async () => {
    const provider = createFakeProvider({ manual: true, script: () => ['no-answer'] });
    const call = provider.placeCall({ to: BOB });
    await settle();
    provider.placed[0]!.answer('mine');
    await call;
    expect((await provider.getCall!('mine')).status).toBe('no-answer');
  });

  it('leaves cancels and hang-ups pending until answered: canceled and completed by default', async () => {
    const provider = createFakeProvider({ manual: true, cancelCall: true, hangUpCall: true });
    const cancel = provider.cancelCall!('a');
    const hangUp = provider.hangUpCall!('b');
    const failing = provider.cancelCall!('c');
    await settle();
    expect(provider.cancels.map((c) => [c.id, c.result])).toEqual([
      ['a', undefined],
      ['c', undefined],
    ]);
    provider.cancels[0]!.answer();
    provider.hangUps[0]!.answer();
    provider.cancels[1]!.fail(new Error('timeout'));
    await expect(cancel).resolves.toMatchObject({ id: 'a', status: 'canceled' });
    await expect(hangUp).resolves.toMatchObject({ id: 'b', status: 'completed' });
    await expect(failing).rejects.toThrow('timeout');
    expect(provider.statusOf('a')).toBe('canceled');
    // A request answers once: a failed one stays failed.
    provider.cancels[1]!.answer();
    expect(provider.cancels[1]!.result).toBeUndefined();
    expect(provider.statusOf('c')).toBeUndefined();
  });

  it('answers a cancel with the status the test gives', async () => {
    const provider = createFakeProvider({ manual: true, cancelCall: true });
    const cancel = provider.cancelCall!('a');
    await settle();
    provider.cancels[0]!.answer('answered');
    await expect(cancel).resolves.toMatchObject({ status: 'answered' });
    expect(provider.statusOf('a')).toBe('answered');
  });
});

describe('createFakeProvider: connectCall and abandonCall', () => {
  it('has neither unless asked, and records each as asked, resolving at once', async () => {
    expect(createFakeProvider().connectCall).toBeUndefined();
    expect(createFakeProvider().abandonCall).toBeUndefined();
    const provider = createFakeProvider({ connectCall: true, abandonCall: true });
    const { signal } = new AbortController();
    await expect(
      provider.connectCall!('p0', 'sip:ana@pbx.example.com', { ringS: 15, signal }),
    ).resolves.toBeUndefined();
    await provider.connectCall!('p1', '+14155550123');
    await provider.abandonCall!('p2', 'Acme calling; call us back.');
    expect(provider.connects).toMatchObject([
      { id: 'p0', to: 'sip:ana@pbx.example.com', ringS: 15, signal, state: 'answered' },
      { id: 'p1', to: '+14155550123', ringS: undefined, state: 'answered' },
    ]);
    expect(provider.abandons).toMatchObject([
      { id: 'p2', message: 'Acme calling; call us back.', state: 'answered' },
    ]);
    expect(provider.cancels).toEqual([]);
  });

  it('fails a request when its hook throws, and records it failed', async () => {
    const ended = new Error('call p0 has ended');
    const provider = createFakeProvider({
      connectCall: true,
      abandonCall: true,
      onConnect: (request) => {
        if (request.id === 'p0') throw ended;
      },
      onAbandon: async () => {
        throw new Error('no speech today');
      },
    });
    await expect(provider.connectCall!('p0', '+14155550123')).rejects.toBe(ended);
    await expect(provider.connectCall!('p1', '+14155550123')).resolves.toBeUndefined();
    await expect(provider.abandonCall!('p1', 'Bye.')).rejects.toThrow('no speech today');
    expect(provider.connects.map((c) => c.state)).toEqual(['failed', 'answered']);
    expect(provider.abandons.map((a) => a.state)).toEqual(['failed']);
  });

  it('leaves each pending until the test answers or fails it, when manual', async () => {
    const provider = createFakeProvider({ manual: true, connectCall: true, abandonCall: true });
    let connected = false;
    const connecting = provider.connectCall!('p0', '+14155550123').then(() => (connected = true));
    const abandoning = provider.abandonCall!('p1', 'Bye.');
    await settle();
    expect(connected).toBe(false);
    expect(provider.connects[0]?.state).toBe('pending');
    provider.connects[0]!.answer();
    provider.connects[0]!.fail(new Error('too late')); // a second answer changes nothing
    await connecting;
    expect(provider.connects[0]?.state).toBe('answered');
    const busy = new Error('the agent is busy');
    provider.abandons[0]!.fail(busy);
    await expect(abandoning).rejects.toBe(busy);
  });
});
