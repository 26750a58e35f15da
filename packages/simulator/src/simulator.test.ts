import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import type { Harness } from '../test/simulator-suite-helpers.js';
import { describeAgentsContract } from '../test/simulator-suite-agents.js';
import { describePollingContract } from '../test/simulator-suite-polling.js';
import { describeTelnyxContract } from '../test/simulator-suite-telnyx.js';
import { describeTwilioContract } from '../test/simulator-suite-twilio.js';
import { describeWebhookContract } from '../test/simulator-suite-webhook.js';
import { startCallApiSimulator, type SimulatorOptions } from './simulator.js';

const harness: Harness = {
  name: 'the HTTP simulator',
  start: (options) => startCallApiSimulator({ ...options, port: 0 }),
};

describePollingContract(harness);
describeWebhookContract(harness);
describeTwilioContract(harness);
describeTelnyxContract(harness);
describeAgentsContract(harness);

describe('startCallApiSimulator', () => {
  it('listens on a free port of 127.0.0.1 when given port 0', async () => {
    const sim = await startCallApiSimulator({ flavour: 'polling', port: 0 });
    try {
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
      expect(sim.flavour).toBe('polling');
    } finally {
      await sim.close();
    }
  });

  it('refuses connections once closed, and close() can be called twice', async () => {
    const sim = await startCallApiSimulator({ flavour: 'webhook', port: 0 });
    await Promise.all([sim.close(), sim.close()]);
    await expect(fetch(`${sim.url}/call`, { method: 'POST' })).rejects.toThrow();
  });

  it('rejects with the listen error when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startCallApiSimulator({ flavour: 'polling', port })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['an unknown flavour', { flavour: 'sms' }, 'flavour'],
    ['a step range with min above max', { flavour: 'polling', stepMs: [50, 10] }, 'stepMs'],
    ['a negative step', { flavour: 'polling', stepMs: -1 }, 'stepMs'],
    ['an errorRate above 1', { flavour: 'polling', errorRate: 2 }, 'errorRate'],
    ['outcomes that all weigh 0', { flavour: 'polling', outcomes: { completed: 0 } }, 'outcomes'],
    ['an unknown outcome', { flavour: 'polling', outcomes: { canceled: 1 } }, 'outcomes'],
    ['a port out of range', { flavour: 'polling', port: 70_000 }, 'port'],
    ['a misspelt option', { flavour: 'polling', stepMS: 5 }, 'stepMS'],
    ['an onEvent that is no function', { flavour: 'polling', onEvent: 'log' }, 'onEvent'],
    ['inbound calls for the polling flavour', { flavour: 'polling', inbound: {} }, 'inbound'],
    [
      'inbound.everyMs without a url',
      { flavour: 'twilio', inbound: { everyMs: 1000 } },
      'everyMs needs a url',
    ],
    [
      'inbound.statusCallbackUrl for Telnyx',
      { flavour: 'telnyx', inbound: { statusCallbackUrl: 'http://127.0.0.1/status' } },
      'twilio and signalwire flavours only',
    ],
    ['an inbound caller not in E.164', { flavour: 'twilio', inbound: { from: '555' } }, 'E.164'],
    ['an unknown inbound knob', { flavour: 'twilio', inbound: { answerRate: 1 } }, 'answerRate'],
    ['a humanRate above 1', { flavour: 'polling', humanRate: 1.5 }, 'humanRate'],
    [
      'humanRate and machineRate over 1 together',
      { flavour: 'webhook', humanRate: 0.7, machineRate: 0.4 },
      'humanRate and machineRate add up to 1.1, more than 1',
    ],
    [
      'a machineRate above the calls the outcomes answer',
      { flavour: 'polling', machineRate: 0.5, outcomes: { completed: 1, busy: 3 } },
      'machineRate 0.5 is more than the share of calls answered (0.25',
    ],
    [
      'an agentAnswerMs range with min above max',
      { flavour: 'polling', agentAnswerMs: [400, 200] },
      'agentAnswerMs must be [min, max] with min <= max',
    ],
    ['a negative agentAnswerMs', { flavour: 'webhook', agentAnswerMs: -1 }, 'agentAnswerMs'],
    ['a talkMeanMs of 0', { flavour: 'polling', talkMeanMs: 0 }, 'talkMeanMs must be above 0'],
    [
      'a talkSigma above 3',
      { flavour: 'polling', talkSigma: 4 },
      'talkSigma must be between 0 and 3',
    ],
    ['a timeScale under 1', { flavour: 'webhook', timeScale: 0.5 }, 'timeScale must be between 1'],
    ['a timeScale over 10000', { flavour: 'polling', timeScale: 20_000 }, 'and 10000'],
    [
      'agents for the Twilio flavour',
      { flavour: 'twilio', talkMeanMs: 1000 },
      'talkMeanMs does not apply',
    ],
  ])('refuses %s with an InvalidOptionsError naming it', async (_, options, names) => {
    const error: unknown = await startCallApiSimulator(options as SimulatorOptions).catch(
      (e: unknown) => e,
    );
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain(names);
  });
});
