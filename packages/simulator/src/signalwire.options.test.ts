/** The SignalWire flavour's options: what it takes, and each bad one refused by name. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, isInvalidOptionsError } from '@ringkit/call-client';
import { createCallApiMock } from './msw.js';
import { startCallApiSimulator, type SimulatorOptions } from './simulator.js';

const project = {
  projectId: '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  apiToken: 'PTsecond',
  signingKey: 'PSK_second',
};

describe('the signalwire options', () => {
  it.each([
    [
      'a project id that is not a UUID',
      { flavour: 'signalwire', signalwire: { ...project, projectId: 'AC0123' } },
      'signalwire.projectId: projectId must be a UUID',
    ],
    [
      'an empty API token',
      { flavour: 'signalwire', signalwire: { ...project, apiToken: '' } },
      'signalwire.apiToken: apiToken must not be empty',
    ],
    [
      'an empty signing key',
      { flavour: 'signalwire', signalwire: { ...project, signingKey: '' } },
      'signalwire.signingKey: signingKey must not be empty',
    ],
    [
      'a project without its signing key',
      { flavour: 'signalwire', signalwire: { projectId: project.projectId, apiToken: 't' } },
      'signalwire.signingKey',
    ],
    [
      'a field the project has not',
      { flavour: 'signalwire', signalwire: { ...project, authToken: 'x' } },
      'authToken',
    ],
    [
      'a SignalWire project given to the Twilio flavour',
      { flavour: 'twilio', signalwire: project },
      'signalwire does not apply to the twilio flavour',
    ],
    [
      'a Twilio account given to the SignalWire flavour',
      {
        flavour: 'signalwire',
        twilio: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'token' },
      },
      'twilio does not apply to the signalwire flavour',
    ],
    [
      'agents knobs given to the SignalWire flavour',
      { flavour: 'signalwire', talkMeanMs: 1000 },
      'talkMeanMs does not apply to the signalwire flavour',
    ],
    [
      'a status callback URL for Telnyx inbound calls',
      { flavour: 'telnyx', inbound: { statusCallbackUrl: 'http://127.0.0.1:1/status' } },
      'statusCallbackUrl applies to the twilio and signalwire flavours only',
    ],
  ])('refuses %s with an InvalidOptionsError naming it', async (_, options, names) => {
    const error: unknown = await startCallApiSimulator(options as SimulatorOptions).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain(names);
    expect(() => createCallApiMock(options as SimulatorOptions)).toThrow(names);
  });

  it('takes the pacing, the deliverer and the inbound knobs it shares with Twilio', async () => {
    const sim = await startCallApiSimulator({
      flavour: 'signalwire',
      signalwire: project,
      callsPerSecond: 5,
      deliverStatusCallback: async () => {},
      machineRate: 0.5,
      inbound: { url: 'http://127.0.0.1:1/voice', statusCallbackUrl: 'http://127.0.0.1:1/s' },
    });
    try {
      expect(sim.flavour).toBe('signalwire');
      expect(sim.publicKey).toBeUndefined();
    } finally {
      await sim.close();
    }
  });
});
