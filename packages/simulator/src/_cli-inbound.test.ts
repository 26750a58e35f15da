import { describe, expect, it, vi } from 'vitest';
import { startTelnyxApp } from '../test/inbound-telnyx-app.js';
import { startTwilioApp } from '../test/inbound-twilio-app.js';
import { runSimulatorCli } from './_cli.js';

const WAIT = { timeout: 5000, interval: 5 };
const PORTS = ['--polling-port', '0', '--webhook-port', '0'];

function capture() {
  let text = '';
  return {
    stream: { write: (chunk: string) => (text += chunk) },
    text: () => text,
  };
}

describe('ringkit-sim --inbound-…', () => {
  it('rings the Twilio app at --inbound-url every --inbound-every, from and to the numbers given', async () => {
    const app = await startTwilioApp({ action: 'reject', reason: 'busy' });
    const stdout = capture();
    const controller = new AbortController();
    const argv = [
      ...PORTS,
      '--twilio-port',
      '0',
      '--inbound-url',
      `${app.url}/voice`,
      '--inbound-status-url',
      `${app.url}/status`,
      '--inbound-every',
      '20ms',
      '--inbound-from',
      '+14155552671',
      '--inbound-to',
      '+14155550100',
      '--seed',
      '1',
    ];
    const exit = runSimulatorCli(argv, {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(app.to('/status').length).toBeGreaterThanOrEqual(2), WAIT);
      expect(app.requests.every((request) => request.valid)).toBe(true);
      expect(app.to('/voice')[0]?.params).toMatchObject({
        From: '+14155552671',
        To: '+14155550100',
        Direction: 'inbound',
      });
      expect(stdout.text()).toMatch(
        new RegExp(
          `inbound calls ring ${app.url}/voice about every 20ms; POST http://127\\.0\\.0\\.1:\\d+/_sim/inbound rings one now`,
        ),
      );
      expect(stdout.text()).toMatch(
        /twilio #CA[0-9a-f]{32} \+14155550100 created \(inbound from \+14155552671\)/,
      );
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      await app.close();
    }
  });

  it('rings the Telnyx app at --inbound-url when asked on POST /_sim/inbound', async () => {
    const app = await startTelnyxApp({ action: 'ignore' });
    const stdout = capture();
    const controller = new AbortController();
    const argv = [...PORTS, '--telnyx-port', '0', '--inbound-url', app.url, '--quiet'];
    const exit = runSimulatorCli(argv, {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(stdout.text()).toContain('inbound calls ring'), WAIT);
      const line =
        stdout
          .text()
          .split('\n')
          .find((l) => l.startsWith('telnyx')) ?? '';
      const url = /listening on (\S+)/.exec(line)?.[1] ?? '';
      app.connect({ url, publicKey: /public key (\S+)\)/.exec(line)?.[1] });
      const rung = await fetch(`${url}/_sim/inbound`, { method: 'POST' });
      const { id } = (await rung.json()) as { id: string };
      await vi.waitFor(() => expect(app.types(id)).toEqual(['call.initiated']), WAIT);
      expect(app.refused).toEqual([]);
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      await app.close();
    }
  });

  it.each([
    [
      ['--inbound-url', 'http://127.0.0.1:1/voice'],
      /need --twilio-port, --telnyx-port, --signalwire-port or --vonage-port/,
    ],
    [
      ['--twilio-port', '0', '--telnyx-port', '0', '--inbound-url', 'http://127.0.0.1:1/'],
      /start only one of --twilio-port, --telnyx-port, --signalwire-port and --vonage-port/,
    ],
    [
      ['--telnyx-port', '0', '--inbound-status-url', 'http://127.0.0.1:1/status'],
      /--inbound-status-url needs --twilio-port/,
    ],
    [
      ['--twilio-port', '0', '--vonage-port', '0', '--inbound-url', 'http://127.0.0.1:1/'],
      /start only one of/,
    ],
    [
      ['--vonage-port', '0', '--inbound-status-url', 'http://127.0.0.1:1/status'],
      /--inbound-status-url needs --twilio-port or --signalwire-port \(Vonage has none\)/,
    ],
    [
      ['--twilio-port', '0', '--inbound-event-url', 'http://127.0.0.1:1/event'],
      /--inbound-event-url needs --vonage-port/,
    ],
    [['--vonage-port', '0', '--inbound-event-url', 'x'], /--inbound-event-url must be an http/],
    [['--twilio-port', '0', '--inbound-every', '20s'], /--inbound-every needs --inbound-url/],
    [['--twilio-port', '0', '--inbound-every', 'often'], /--inbound-every must be a duration/],
    [['--twilio-port', '0', '--inbound-url', 'ftp://x'], /--inbound-url must be an http\(s\) URL/],
    [['--twilio-port', '0', '--inbound-from', '555'], /--inbound-from must be a phone number/],
  ])('exits 2 on %j with one line saying why', async (args, message) => {
    const stderr = capture();
    const code = await runSimulatorCli([...PORTS, ...args], {
      stdout: capture().stream,
      stderr: stderr.stream,
      signal: AbortSignal.abort(),
    });
    expect(code).toBe(2);
    expect(stderr.text()).toMatch(message);
    expect(stderr.text().trim().split('\n')).toHaveLength(1);
  });
});
