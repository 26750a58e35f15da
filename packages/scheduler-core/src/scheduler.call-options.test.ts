/**
 * A call carries its purpose: `schedule({ call })` checks the options against the provider, stores
 * them, and places every attempt (retries, a recurrence's next occurrences) with them.
 */
import {
  CALL_OPTION_NAMES,
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  type CallOptions,
} from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';

/**
 * What each placement asked for: the request without its `beforeSend` (the scheduler's last
 * check) and its `signal` (aborted once `callTimeoutMs` passes with no answer), which every
 * placement carries and no provider sends.
 */
function sent(provider: { placed: readonly { request: object }[] }): object[] {
  return provider.placed.map(({ request }) => {
    const { beforeSend, signal, ...asked } = request as { beforeSend?: unknown; signal?: unknown };
    expect(typeof beforeSend).toBe('function');
    expect(signal).toBeInstanceOf(AbortSignal);
    return asked;
  });
}

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
const REMINDER: CallOptions = { say: 'Your appointment is tomorrow at 9:30.', ringTimeoutS: 20 };

function setup(provider: Partial<FakeProviderOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = createMemoryStore();
  const fake = createFakeProvider({ clock, callOptions: [...CALL_OPTION_NAMES], ...provider });
  const scheduler = createScheduler({
    store,
    clock,
    provider: fake,
    callerId: ME,
    recheckIntervalMs: 0,
  });
  return { clock, store, provider: fake, scheduler };
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isValidationError(error), String(error)).toBe(true);
  return error as ValidationError;
}

describe('schedule({ call })', () => {
  it('refuses an option the provider cannot honour at schedule(), naming call.<option>, and stores nothing', async () => {
    const { clock, store, provider, scheduler } = setup({ callOptions: [] });
    await scheduler.start();
    const error = await refusal(
      scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), call: { say: 'Hello' } }),
    );
    expect(error.issues).toEqual([
      expect.objectContaining({ code: 'unsupported_call_option', path: ['call', 'say'] }),
    ]);
    expect(error.message).toMatch(/^Invalid schedule input: call\.say: .*cannot honour/);
    expect(isUnsupportedCallOptionError(error.cause)).toBe(true);
    await clock.advance(5000);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
    expect(sent(provider)).toEqual([]);
    await scheduler.stop();
  });

  it.each<[string, unknown, PropertyKey[]]>([
    ['a ring timeout of 0 s', { ringTimeoutS: 0 }, ['call', 'ringTimeoutS']],
    [
      'both say and answerUrl',
      { say: 'Hi', answerUrl: 'https://app.example/a' },
      ['call', 'answerUrl'],
    ],
    ['an unknown machine detection', { machineDetection: 'guess' }, ['call', 'machineDetection']],
    ['a say of invisible characters only', { say: '\u200B\u2060\uFEFF' }, ['call', 'say']],
    ['an option nobody has', { volume: 11 }, ['call']],
    ['options that are not an object', 'say hello', ['call']],
  ])(
    "refuses %s on a provider that honours every option, with zod's issues under call",
    async (_, call, path) => {
      const { store, scheduler } = setup();
      const error = await refusal(
        scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), call: call as CallOptions }),
      );
      expect(error.issues.map((i) => i.path)).toContainEqual(path);
      expect(isInvalidOptionsError(error.cause)).toBe(true);
      expect((await store.list({ limit: 10 })).items).toEqual([]);
    },
  );

  it('refuses a from that is not a phone number, naming call.from', async () => {
    const { store, scheduler } = setup();
    const error = await refusal(
      scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), call: { from: 'reception' } }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([['call', 'from']]);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('refuses a batch whose one call has options the provider cannot honour, naming its index', async () => {
    const { store, scheduler } = setup({ callOptions: ['say'] });
    const error = await refusal(
      scheduler.scheduleMany([
        { to: BOB, at: new Date(T0 + 1000), call: { say: 'Hello' } },
        { to: BOB, at: new Date(T0 + 1000), call: { record: true } },
      ]),
    );
    expect(error.issues.map((i) => i.path)).toEqual([[1, 'call', 'record']]);
    expect(isUnsupportedCallOptionError(error.cause)).toBe(true);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('returns the options with the call from schedule(), get() and list(), and null without any', async () => {
    const { scheduler } = setup();
    const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), call: REMINDER });
    const plain = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    expect(call.call).toEqual(REMINDER);
    expect((await scheduler.get(call.id)).call).toEqual(REMINDER);
    expect((await scheduler.get(plain.id)).call).toBeNull();
    const moved = await scheduler.reschedule(call.id, new Date(T0 + 60_000));
    expect(moved.call).toEqual(REMINDER);
    const listed = await scheduler.list();
    expect(Object.fromEntries(listed.items.map((c) => [c.id, c.call]))).toEqual({
      [call.id]: REMINDER,
      [plain.id]: null,
    });
  });

  it('sends the options with every attempt: a busy first attempt and its retry both carry them', async () => {
    const { clock, provider, scheduler } = setup({
      initialStatus: (_, n) => (n === 0 ? 'busy' : 'initiated'),
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 2,
      retryBackoff: { delayMs: 10_000 },
      call: REMINDER,
    });
    await clock.advance(1000);
    expect(sent(provider)).toEqual([{ to: BOB, ...REMINDER }]);
    await clock.advance(10_000);
    await clock.advance(5000);
    expect(sent(provider)).toEqual([
      { to: BOB, ...REMINDER },
      { to: BOB, ...REMINDER },
    ]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed', attempt: 2 });
    await scheduler.stop();
  });

  it('sends no from when the call has none: callerId stays the from of its history', async () => {
    const { clock, provider, scheduler } = setup({ callOptions: ['say'] });
    await scheduler.start();
    await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), call: { say: 'Hello' } });
    await scheduler.schedule({ to: BOB, at: new Date(T0 + 2000) });
    await clock.advance(10_000);
    expect(sent(provider)).toEqual([{ to: BOB, say: 'Hello' }, { to: BOB }]);
    const { items } = await scheduler.history(ME);
    expect(items.map((i) => [i.counterparty, i.type])).toEqual([
      [BOB, 'Completed Outbound'],
      [BOB, 'Completed Outbound'],
    ]);
    await scheduler.stop();
  });

  it("sends a call's own from, in E.164, and puts it in that call's history instead of callerId", async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const call = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      call: { from: '(415) 555-0199' },
    });
    expect(call.call).toEqual({ from: '+14155550199' });
    await clock.advance(10_000);
    expect(sent(provider)).toEqual([{ to: BOB, from: '+14155550199' }]);
    expect((await scheduler.history('+14155550199')).items).toMatchObject([
      { counterparty: BOB, type: 'Completed Outbound' },
    ]);
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { counterparty: '+14155550199', type: 'Completed Inbound' },
    ]);
    expect((await scheduler.history(ME)).items).toEqual([]);
    await scheduler.stop();
  });

  it("gives a recurring call's next occurrences its options, and places each with them", async () => {
    const { clock, provider, scheduler } = setup({ script: () => ['answered', 'completed'] });
    await scheduler.start();
    await scheduler.schedule({
      to: BOB,
      recurrence: { cron: '0 13 * * *', timezone: 'UTC' },
      call: REMINDER,
    });
    await clock.advanceTo(T0 + 2 * 86_400_000 + 2 * 3_600_000);
    expect(sent(provider)).toEqual([
      { to: BOB, ...REMINDER },
      { to: BOB, ...REMINDER },
      { to: BOB, ...REMINDER },
    ]);
    const { items } = await scheduler.list();
    expect(items.map((c) => [c.status, c.call])).toEqual([
      ['completed', REMINDER],
      ['completed', REMINDER],
      ['completed', REMINDER],
      ['scheduled', REMINDER],
    ]);
    await scheduler.stop();
  });
});
