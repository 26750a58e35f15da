/** `ringkit-sim --vonage-port`: the Vonage flavour from the command line. */
import { Auth } from '@vonage/auth';
import { Voice } from '@vonage/voice';
import { describe, expect, it, vi } from 'vitest';
import { runSimulatorCli } from './_cli.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';

const WAIT = { timeout: 5000, interval: 5 };

function capture() {
  let text = '';
  return {
    stream: { write: (chunk: string) => (text += chunk) },
    lines: () => text.split('\n').filter(Boolean),
  };
}

describe('ringkit-sim --vonage-port', () => {
  it('starts the Vonage flavour, names its application, and the official client places a call on it', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const argv = [
      '--polling-port',
      '0',
      '--webhook-port',
      '0',
      '--vonage-port',
      '0',
      '--step-ms',
      '5',
    ];
    const exit = runSimulatorCli([...argv, '--seed', '1'], {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(stdout.lines().join('\n')).toContain('seed 1'), WAIT);
    const line = stdout.lines().find((l) => l.startsWith('vonage (Vonage Voice API)')) ?? '';
    const { applicationId, privateKey, apiKey, signatureSecret } = VONAGE_TEST_CREDENTIALS;
    expect(line).toContain(
      `(application ${applicationId}, private key VONAGE_TEST_CREDENTIALS.privateKey`,
    );
    expect(line).toContain(`API key ${apiKey}, signature secret ${signatureSecret})`);
    const url = /listening on (\S+)/.exec(line)?.[1] ?? '';
    const voice = new Voice(new Auth({ applicationId, privateKey }), { apiHost: url });
    const created = await voice.createOutboundCall({
      to: [{ type: 'phone', number: '14155552671' }],
      from: { type: 'phone', number: '15005550006' },
      ncco: [{ action: 'talk' as never, text: 'Hello' }],
    });
    await vi.waitFor(
      () =>
        expect(stdout.lines().join('\n')).toMatch(
          new RegExp(`vonage #${created.uuid} \\+14155552671 completed$`, 'm'),
        ),
      WAIT,
    );
    controller.abort();
    expect(await exit).toBe(0);
  });

  it('refuses a --vonage-port that is no port, with exit code 2', async () => {
    const stderr = capture();
    const code = await runSimulatorCli(['--vonage-port', 'x'], {
      stdout: capture().stream,
      stderr: stderr.stream,
      signal: AbortSignal.abort(),
    });
    expect(code).toBe(2);
    expect(stderr.lines().join('\n')).toContain('--vonage-port / SIM_VONAGE_PORT must be a number');
  });
});
