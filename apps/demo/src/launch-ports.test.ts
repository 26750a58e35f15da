import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { demoPorts, takenPorts, simPortMessage, simPorts } from '../../../scripts/lib/launch.mjs';

/** The ports `pnpm demo` and `pnpm sim` check before they build (scripts/lib/launch.mjs). */
const where = (wanted: { port: number; host: string }[]) =>
  wanted.map(({ port, host }) => `${host}:${port}`);

describe('the ports pnpm demo checks', () => {
  it('are the simulators’ then the server’s, at their defaults', () => {
    expect(where(demoPorts([], {}))).toEqual([
      '127.0.0.1:5000',
      '127.0.0.1:4830',
      '127.0.0.1:4000',
    ]);
    expect(demoPorts([], {})[2]!.message).toBe(
      'PORT: 127.0.0.1:4000 is already in use; set PORT to a free port (e.g. PORT=4001)',
    );
  });

  it('follow the variables, and --provider of a real provider (with or without the `--` pnpm passes)', () => {
    const env = { CALL_API_URL: 'http://localhost:6000', DIALER_API_URL: 'http://127.0.0.1:6001' };
    expect(where(demoPorts([], { ...env, PORT: '0', HOST: '0.0.0.0' }))).toEqual([
      '127.0.0.1:6000',
      '127.0.0.1:6001',
    ]);
    expect(where(demoPorts([], { PORT: '4100', HOST: '0.0.0.0' })).at(-1)).toBe('0.0.0.0:4100');
    const twilio = ['127.0.0.1:5010', '127.0.0.1:4000'];
    expect(where(demoPorts(['--', '--provider', 'twilio'], {}))).toEqual(twilio);
    expect(where(demoPorts(['--provider=twilio'], {}))).toEqual(twilio);
    expect(where(demoPorts([], { DEMO_PROVIDER: 'twilio' }))).toEqual(twilio);
    const telnyx = ['127.0.0.1:5020', '127.0.0.1:4000'];
    expect(where(demoPorts(['--', '--provider', 'telnyx'], {}))).toEqual(telnyx);
    expect(where(demoPorts([], { DEMO_PROVIDER: 'telnyx' }))).toEqual(telnyx);
    expect(
      demoPorts(['--provider=telnyx'], { TELNYX_API_URL: 'http://localhost:7020' })[0],
    ).toMatchObject({
      port: 7020,
      message:
        'TELNYX_API_URL: port 7020 is already in use (the simulator listens where TELNYX_API_URL points); set TELNYX_API_URL to a free port, e.g. TELNYX_API_URL=http://localhost:7021',
    });
    const signalwire = ['127.0.0.1:5030', '127.0.0.1:4000'];
    expect(where(demoPorts(['--', '--provider', 'signalwire'], {}))).toEqual(signalwire);
    expect(where(demoPorts([], { DEMO_PROVIDER: 'signalwire' }))).toEqual(signalwire);
    const vonage = ['127.0.0.1:5040', '127.0.0.1:4000'];
    expect(where(demoPorts(['--provider=vonage'], {}))).toEqual(vonage);
    expect(where(demoPorts([], { DEMO_PROVIDER: 'vonage' }))).toEqual(vonage);
    expect(
      demoPorts(['--provider', 'signalwire'], { SIGNALWIRE_SPACE_URL: 'http://localhost:7030' })[0],
    ).toMatchObject({
      port: 7030,
      message:
        'SIGNALWIRE_SPACE_URL: port 7030 is already in use (the simulator listens where SIGNALWIRE_SPACE_URL points); set SIGNALWIRE_SPACE_URL to a free port, e.g. SIGNALWIRE_SPACE_URL=http://localhost:7031',
    });
    expect(
      demoPorts(['--provider', 'vonage'], { VONAGE_API_URL: 'http://127.0.0.1:7040' })[0],
    ).toMatchObject({ port: 7040 });
    expect(
      demoPorts([], { DEMO_PROVIDER: 'twilio', TWILIO_API_URL: 'http://localhost:7000' })[0],
    ).toMatchObject({
      port: 7000,
      message:
        'TWILIO_API_URL: port 7000 is already in use (the simulator listens where TWILIO_API_URL points); set TWILIO_API_URL to a free port, e.g. TWILIO_API_URL=http://localhost:7001',
    });
  });

  it('are none when the arguments or variables are for the demo itself to refuse', () => {
    expect(demoPorts(['--provider', 'plivo'], {})).toEqual([]);
    // A space's bare host is SignalWire's own: no simulator of this machine.
    expect(
      demoPorts(['--provider', 'signalwire'], { SIGNALWIRE_SPACE_URL: 'example.signalwire.com' }),
    ).toEqual([]);
    expect(demoPorts(['--fast'], {})).toEqual([]);
    expect(demoPorts([], { CALL_API_URL: 'not a url' })).toEqual([]);
    expect(demoPorts([], { CALL_PROVIDER: 'twilio' })).toEqual([]);
  });
});

describe('the ports pnpm sim checks', () => {
  it('are both flavours’ at their defaults, and the real providers’ flavours’ when given', () => {
    expect(where(simPorts([], {}))).toEqual(['127.0.0.1:5000', '127.0.0.1:4830']);
    const argv = ['--', '--polling-port', '5001', '--twilio-port=5011', '--host', '0.0.0.0'];
    expect(where(simPorts(argv, { SIM_WEBHOOK_PORT: '4900' }))).toEqual([
      '0.0.0.0:5001',
      '0.0.0.0:4900',
      '0.0.0.0:5011',
    ]);
    expect(where(simPorts(['--telnyx-port', '5021'], { SIM_TWILIO_PORT: '5011' }))).toEqual([
      '127.0.0.1:5000',
      '127.0.0.1:4830',
      '127.0.0.1:5011',
      '127.0.0.1:5021',
    ]);
    expect(
      where(
        simPorts(['--signalwire-port', '5031'], { SIM_VONAGE_PORT: '5041', SIM_WEBHOOK_PORT: '0' }),
      ),
    ).toEqual(['127.0.0.1:5000', '127.0.0.1:5031', '127.0.0.1:5041']);
  });

  it('leave out port 0, values the simulator refuses, and --help', () => {
    expect(where(simPorts(['--polling-port', '0', '--webhook-port', 'x'], {}))).toEqual([]);
    expect(simPorts(['--help'], {})).toEqual([]);
  });

  it('say what ringkit-sim says of a taken port', () => {
    expect(simPortMessage('webhook', 4830)).toBe(
      'ringkit-sim: port 4830 is already in use (the webhook flavour listens on --webhook-port); set --webhook-port (or SIM_WEBHOOK_PORT) to a free port, e.g. --webhook-port 4831',
    );
    expect(simPortMessage('telnyx', 5020)).toBe(
      'ringkit-sim: port 5020 is already in use (the telnyx flavour listens on --telnyx-port); set --telnyx-port (or SIM_TELNYX_PORT) to a free port, e.g. --telnyx-port 5021',
    );
    expect(simPortMessage('signalwire', 5030)).toBe(
      'ringkit-sim: port 5030 is already in use (the signalwire flavour listens on --signalwire-port); set --signalwire-port (or SIM_SIGNALWIRE_PORT) to a free port, e.g. --signalwire-port 5031',
    );
    expect(simPortMessage('vonage', 5040)).toBe(
      'ringkit-sim: port 5040 is already in use (the vonage flavour listens on --vonage-port); set --vonage-port (or SIM_VONAGE_PORT) to a free port, e.g. --vonage-port 5041',
    );
  });
});

describe('takenPorts', () => {
  it('gives the line of every taken port in order, and none when every one is free', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const free = { port: 0, host: '127.0.0.1', message: 'free' };
      const taken = { port, host: '127.0.0.1', message: 'taken' };
      expect(
        await takenPorts([
          free,
          taken,
          { ...free, message: 'free too' },
          { ...taken, message: 'second' },
        ]),
      ).toEqual(['taken', 'second']);
      expect(await takenPorts([free])).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
