import {
  CALL_OPTION_NAMES,
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  type CallProvider,
  type InvalidOptionsError,
} from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { startCallApiSimulator, TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { describe, expect, it } from 'vitest';
import { manualProvider, flush, statusEvent, T0 } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { DialerEntry, DialerStatusEvent } from './types.js';

const ALL = CALL_OPTION_NAMES;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createDialer with per-entry call options', () => {
  it('sends each entry’s own options with its call, and none for a bare number', async () => {
    const provider = manualProvider({ callOptions: ALL });
    const dialer = createDialer({
      provider,
      clock: createFakeClock(T0),
      numbers: [
        {
          phone: '(415) 555-2671',
          call: { say: 'Your table is ready.', machineDetection: 'detect' },
        },
        '13018040009',
        { phone: '+12025550123' },
      ],
    });
    dialer.start();
    await flush();
    // Each request also carries the engine's signal and its last check (`beforeSend`).
    const sent = { signal: expect.any(AbortSignal), beforeSend: expect.any(Function) };
    expect(provider.placed.map((p) => p.request)).toEqual([
      { to: '+14155552671', ...sent, say: 'Your table is ready.', machineDetection: 'detect' },
      { to: '+13018040009', ...sent },
      { to: '+12025550123', ...sent },
    ]);
  });

  it('sends the options again with every attempt of the entry', async () => {
    const provider = manualProvider({ callOptions: ALL });
    const dialer = createDialer({
      provider,
      clock: createFakeClock(T0),
      maxAttempts: 2,
      numbers: [{ phone: '+14155552671', call: { from: '+14155550100', record: true } }],
    });
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.handleStatus(statusEvent('c0', 'busy'));
    await flush();
    expect(provider.placed).toHaveLength(2);
    for (const placed of provider.placed)
      expect(placed.request).toMatchObject({ from: '+14155550100', record: true });
  });

  it('refuses an option the provider cannot honour at createDialer, dialing nothing', () => {
    const provider = manualProvider();
    const error = thrown(() =>
      createDialer({
        provider,
        numbers: ['+14155552671', { phone: '+13018040009', call: { say: 'Hi' } }],
      }),
    );
    expect(isUnsupportedCallOptionError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'fake', option: 'say' });
    expect(provider.placed).toEqual([]);
  });

  it('lets options that ask for nothing pass on a provider that honours none', () => {
    const provider = manualProvider();
    const dialer = createDialer({
      provider,
      numbers: [{ phone: '+14155552671', call: { machineDetection: 'off', record: false } }],
    });
    expect(dialer.snapshot().entries).toHaveLength(1);
  });

  it.each([
    [{ phone: '+14155552671', call: { ringTimeoutS: 0 } }, 'numbers.0.call.ringTimeoutS'],
    [
      { phone: '+14155552671', call: { say: 'a', answerUrl: 'https://x.example/t' } },
      'numbers.0.call.answerUrl',
    ],
    [{ phone: '+14155552671', call: { shout: 'typo' } }, 'numbers.0.call'],
    [{ phone: '+14155552671', calls: {} }, 'numbers.0'],
    [{ phone: 14155552671 }, 'numbers.0.phone'],
  ])('refuses the malformed entry %o with an InvalidOptionsError at %s', (entry, path) => {
    const error = thrown(() =>
      createDialer({
        provider: manualProvider({ callOptions: ALL }),
        numbers: [entry as never],
      }),
    );
    expect(isInvalidOptionsError(error), String(error)).toBe(true);
    expect(
      (error as { issues: Array<{ path: PropertyKey[] }> }).issues.map((i) => i.path.join('.')),
    ).toContain(path);
  });
});

describe('createDialer refuses a message that cannot be said, at creation', () => {
  const providers = {
    // Honours every option: only call-client's own rule for `say` refuses.
    any: () => manualProvider({ callOptions: ALL }),
    // Twilio's own check too: the TwiML of the message, once XML-escaped, at most 4000.
    twilio: () => createTwilioClient({ ...TWILIO_TEST_CREDENTIALS, from: '+15005550006' }),
  };
  const list = (say: string) => ['+14155552671', { phone: '+13018040009', call: { say } }];
  const dialers = {
    'in memory': (provider: CallProvider, say: string) =>
      createDialer({ provider, numbers: list(say) }),
    'as a campaign': (provider: CallProvider, say: string) =>
      createDialer({
        provider,
        store: createMemoryStore(),
        campaign: 'refused',
        callerId: '+14155550100',
        numbers: list(say),
      }),
  };
  const messages: [string, string, keyof typeof providers][] = [
    ['a control character', 'a\u0000b', 'any'],
    ['4,100 characters', 'x'.repeat(4100), 'any'],
    ['blank text', '   ', 'any'],
    ['empty text', '', 'any'],
    ['invisible characters only', '\u200B\u200D\uFEFF', 'any'],
    ['TwiML too long once escaped', '&'.repeat(1000), 'twilio'],
  ];
  const cases = Object.keys(dialers).flatMap((kind) =>
    messages.map(([what, say, provider]) => [kind as keyof typeof dialers, what, say, provider]),
  ) as [keyof typeof dialers, string, string, keyof typeof providers][];

  it.each(cases)(
    '%s, %s: an InvalidOptionsError at numbers.1.call.say',
    (kind, _what, say, provider) => {
      const error = thrown(() => dialers[kind](providers[provider](), say));
      expect(isInvalidOptionsError(error), String(error)).toBe(true);
      expect((error as InvalidOptionsError).issues.map((i) => i.path)).toEqual([
        ['numbers', 1, 'call', 'say'],
      ]);
    },
  );
});

describe('createDialer answeredBy', () => {
  it('carries who answered, from the webhook, on the status event and the finished entry', async () => {
    const provider = manualProvider({ callOptions: ALL });
    const dialer = createDialer({
      provider,
      clock: createFakeClock(T0),
      numbers: [{ phone: '+14155552671', call: { machineDetection: 'detect' } }],
    });
    const moves: DialerStatusEvent[] = [];
    const finished: DialerEntry[] = [];
    dialer.on('status', (event) => moves.push(event));
    dialer.on('finished', (entry) => finished.push(entry));
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.handleStatus({ ...statusEvent('c0', 'answered'), answeredBy: 'machine' });
    await flush();
    // A later event that does not say who answered never erases it.
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(moves.map((m) => [m.status, m.answeredBy])).toEqual([
      ['dialing', null],
      ['initiated', null],
      ['answered', 'machine'],
      ['completed', 'machine'],
    ]);
    expect(finished.at(-1)).toMatchObject({ status: 'completed', answeredBy: 'machine' });
    expect(dialer.snapshot().entries[0]!.answeredBy).toBe('machine');
  });

  it('takes who answered from the placement’s answer, and forgets it for a new attempt', async () => {
    const provider = manualProvider({ callOptions: ALL });
    const dialer = createDialer({
      provider,
      clock: createFakeClock(T0),
      maxAttempts: 2,
      numbers: ['+14155552671'],
    });
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0', 'answered', {
      providerStatus: 'in-progress',
      answeredBy: 'human',
    });
    await flush();
    expect(dialer.snapshot().entries[0]!.answeredBy).toBe('human');
    dialer.handleStatus(statusEvent('c0', 'no-answer'));
    await flush();
    expect(provider.placed).toHaveLength(2);
    expect(dialer.snapshot().entries[0]!.answeredBy).toBeNull();
  });
});

describe('createDialer on the Twilio simulator', () => {
  it('dials a list whose calls say their own message, with machine detection, and learns who answered', async () => {
    const sim = await startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: 5,
      outcomes: { completed: 1 },
      machineRate: 1,
      seed: 3,
    });
    try {
      const provider = createTwilioClient({
        ...TWILIO_TEST_CREDENTIALS,
        from: '+15005550006',
        baseUrl: sim.url,
      });
      const dialer = createDialer({
        provider,
        watchIntervalMs: 5,
        numbers: [
          { phone: '+14155552671', call: { say: 'Reminder for Ada', machineDetection: 'detect' } },
          { phone: '+13018040009', call: { say: 'Reminder for Bob & Co' } },
        ],
      });
      const drained = new Promise<void>((resolve) => dialer.on('drained', () => resolve()));
      dialer.start();
      await drained;
      const calls = sim.calls();
      expect(calls.map((c) => c.twiml)).toEqual([
        '<Response><Say>Reminder for Ada</Say></Response>',
        '<Response><Say>Reminder for Bob &amp; Co</Say></Response>',
      ]);
      const entries = dialer.snapshot().entries;
      expect(entries.map((e) => e.status)).toEqual(['completed', 'completed']);
      expect(entries[0]!.answeredBy).toBe('machine');
      expect(entries[1]!.answeredBy).toBeNull();
    } finally {
      await sim.close();
    }
  });
});
