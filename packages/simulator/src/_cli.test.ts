import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { formatEvent, runSimulatorCli } from './_cli.js';
import { startWebhookReceiver } from './_receiver.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import { postJson, WAIT } from '../test/simulator-suite-helpers.js';

function capture() {
  let text = '';
  return {
    stream: { write: (chunk: string) => (text += chunk) },
    lines: () => text.split('\n').filter(Boolean),
  };
}

describe('ringkit-sim', () => {
  it('starts both flavours, prints a line per call event, and exits 0 when stopped', async () => {
    const stdout = capture();
    const stderr = capture();
    const controller = new AbortController();
    const hooks = await startWebhookReceiver();
    const argv = ['--polling-port', '0', '--webhook-port', '0', '--step-ms', '5-10', '--seed', '1'];
    const exit = runSimulatorCli(argv, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(stdout.lines().join('\n')).toContain('seed 1'), WAIT);
      const url = (flavour: string) =>
        /listening on (\S+)/.exec(stdout.lines().find((l) => l.startsWith(flavour)) ?? '')?.[1];
      expect(url('polling (Mock Call API)')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url('webhook (Num Dialer API)')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      await postJson(`${url('polling')}/api/call`, { phone_number: '+14155552671' });
      await postJson(`${url('webhook')}/call`, { phone: '13018040009', webhookURL: hooks.url });
      await vi.waitFor(() => {
        const text = stdout.lines().join('\n');
        expect(text).toMatch(
          /^\d\d:\d\d:\d\d\.\d{3} polling #[0-9a-f-]{36} \+14155552671 completed$/m,
        );
        expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} webhook #1001 \+13018040009 ringing$/m);
        expect(text).toMatch(/webhook #1001 \+13018040009 completed webhook delivered$/m);
      }, WAIT);
    } finally {
      controller.abort();
      await hooks.close();
    }
    expect(await exit).toBe(0);
    expect(stderr.lines()).toEqual([]);
  });

  it('starts the Twilio flavour too when given --twilio-port, and prints its account', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const argv = ['--polling-port', '0', '--webhook-port', '0', '--twilio-port', '0'];
    const exit = runSimulatorCli([...argv, '--calls-per-second', '5', '--seed', '1'], {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(stdout.lines().join('\n')).toContain('seed 1'), WAIT);
    const line = stdout.lines().find((l) => l.startsWith('twilio (Twilio API 2010-04-01)')) ?? '';
    const url = /listening on (\S+)/.exec(line)?.[1];
    expect(line).toContain(`account ${TWILIO_TEST_CREDENTIALS.accountSid}`);
    const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
    const response = await fetch(`${url}/2010-04-01/Accounts/${accountSid}/Calls.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}` },
      body: new URLSearchParams({ To: '+14155552671', From: '+15005550006', Twiml: 'x' }),
    });
    expect(response.status).toBe(201);
    controller.abort();
    expect(await exit).toBe(0);
  });

  it('starts the Telnyx flavour too when given --telnyx-port, and prints its key to verify webhooks', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const argv = [
      '--polling-port',
      '0',
      '--webhook-port',
      '0',
      '--telnyx-port',
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
    const line = stdout.lines().find((l) => l.startsWith('telnyx (Telnyx Call Control v2)')) ?? '';
    const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
    expect(line).toMatch(
      new RegExp(
        `listening on http://127\\.0\\.0\\.1:\\d+ \\(API key ${apiKey}, connection ${connectionId}, public key [A-Za-z0-9+/]{43}=\\)$`,
      ),
    );
    const url = /listening on (\S+)/.exec(line)?.[1];
    const response = await fetch(`${url}/v2/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        connection_id: connectionId,
        from: '+15005550006',
        to: '+14155552671',
      }),
    });
    expect(response.status).toBe(200);
    await vi.waitFor(
      () => expect(stdout.lines().join('\n')).toMatch(/telnyx #v3:\S+ \+14155552671 initiated$/m),
      WAIT,
    );
    controller.abort();
    expect(await exit).toBe(0);
  });

  it('prints no event line with --quiet', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const exit = runSimulatorCli(['--polling-port', '0', '--webhook-port', '0', '--quiet'], {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(stdout.lines()).toHaveLength(3), WAIT);
    const url = /listening on (\S+)/.exec(stdout.lines()[0] ?? '')?.[1];
    await postJson(`${url}/api/call`, { phone_number: 'nope' });
    controller.abort();
    expect(await exit).toBe(0);
    expect(stdout.lines()).toHaveLength(3);
  });

  it('takes the arguments after the `--` that `pnpm sim -- …` passes along', async () => {
    const stdout = capture();
    const stderr = capture();
    const controller = new AbortController();
    const argv = ['--', '--polling-port', '0', '--webhook-port', '0', '--seed', '7', '--quiet'];
    const exit = runSimulatorCli(argv, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(stdout.lines()).toContain('seed 7; press Ctrl+C to stop'), WAIT);
    controller.abort();
    expect(await exit).toBe(0);
    expect(stderr.lines()).toEqual([]);
  });

  it.each([
    ['polling', ['--webhook-port', '0', '--polling-port'], '--polling-port (or SIM_POLLING_PORT)'],
    ['webhook', ['--polling-port', '0', '--webhook-port'], '--webhook-port (or SIM_WEBHOOK_PORT)'],
  ])(
    'exits 1 with one line naming the port and the option to change when the %s port is taken',
    async (flavour, argv, option) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as { port: number };
      const stdout = capture();
      const stderr = capture();
      try {
        const code = await runSimulatorCli([...argv, String(port), '--quiet'], {
          stdout: stdout.stream,
          stderr: stderr.stream,
          signal: new AbortController().signal,
        });
        expect(code).toBe(1);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
      const flag = option.split(' ')[0];
      // The port it offers was free when it looked: the next one, unless another process (a
      // second test run, say) holds that one too.
      const [line] = stderr.lines();
      const offered = Number(/e\.g\. \S+ (\d+)$/.exec(line ?? '')?.[1]);
      expect(offered).toBeGreaterThan(port);
      expect(stderr.lines()).toEqual([
        `ringkit-sim: port ${port} is already in use (the ${flavour} flavour listens on ${flag}); ` +
          `set ${option} to a free port, e.g. ${flag} ${offered}`,
      ]);
      expect(stdout.lines().join('\n')).not.toContain('seed');
    },
  );

  it('names every port taken, each with a free port to use that is not taken nor suggested twice', async () => {
    const listen = async (port = 0) => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return server;
    };
    // The polling port and the one above it are taken; so is the webhook port.
    const polling = await listen();
    const pollingPort = (polling.address() as { port: number }).port;
    const blockers = [polling];
    try {
      blockers.push(await listen(pollingPort + 1));
    } catch {
      // Not free to block here: the suggestion is then above it anyway.
    }
    const webhook = await listen();
    blockers.push(webhook);
    const webhookPort = (webhook.address() as { port: number }).port;
    const stderr = capture();
    try {
      const code = await runSimulatorCli(
        ['--polling-port', String(pollingPort), '--webhook-port', String(webhookPort), '--quiet'],
        { stdout: capture().stream, stderr: stderr.stream, signal: new AbortController().signal },
      );
      expect(code).toBe(1);
      const lines = stderr.lines();
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain(`port ${pollingPort} is already in use (the polling flavour`);
      expect(lines[1]).toContain(`port ${webhookPort} is already in use (the webhook flavour`);
      const suggested = lines.map((line) => Number(/e\.g\. --\S+ (\d+)$/.exec(line)![1]));
      expect(suggested[0]).toBeGreaterThan(pollingPort + 1);
      expect(new Set(suggested).size).toBe(2);
      for (const port of suggested) {
        expect([pollingPort, pollingPort + 1, webhookPort]).not.toContain(port);
        const probe = await listen(port);
        await new Promise((resolve) => probe.close(resolve));
      }
    } finally {
      for (const server of blockers) await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    [['--error-rate', '2'], '--error-rate must be between 0 and 1'],
    [['--step-ms', 'fast'], '--step-ms must be N or MIN-MAX'],
    [['--step-ms', '900-100'], 'MIN must not exceed MAX'],
    [['--polling-port', '99999'], 'between 0 and 65535'],
    [['--seed', '1.5'], '--seed must be an integer'],
    [['--colour'], "Unknown option '--colour'"],
    [['--calls-per-second', '2'], '--calls-per-second needs --twilio-port'],
    [['--twilio-port', '0', '--calls-per-second', '0'], '--calls-per-second must be above 0'],
    [['--telnyx-port', 'x'], '--telnyx-port / SIM_TELNYX_PORT must be a number'],
  ])('exits 2 with a one-line message for %j', async (argv, says) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runSimulatorCli(argv, { stdout: stdout.stream, stderr: stderr.stream });
    expect(code).toBe(2);
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.lines()[0]).toContain(says);
    expect(stdout.lines()).toEqual([]);
  });

  it('reads ports from SIM_POLLING_PORT and SIM_WEBHOOK_PORT, refusing a bad one', async () => {
    const stderr = capture();
    const env = { SIM_POLLING_PORT: 'abc', SIM_WEBHOOK_PORT: '0' };
    const code = await runSimulatorCli([], {
      stdout: capture().stream,
      stderr: stderr.stream,
      env,
    });
    expect(code).toBe(2);
    expect(stderr.lines()[0]).toContain('SIM_POLLING_PORT');
  });

  it('prints the usage with --help and exits 0', async () => {
    const stdout = capture();
    const code = await runSimulatorCli(['--help'], {
      stdout: stdout.stream,
      stderr: capture().stream,
    });
    expect(code).toBe(0);
    expect(stdout.lines()[0]).toBe('Usage: ringkit-sim [options]');
    expect(stdout.lines().join('\n')).toContain('--webhook-port');
  });

  it.each([
    [['--busy-rate', '1'], 'busy'],
    [['--no-answer-rate', '1'], 'no-answer'],
    [['--failed-rate', '1'], 'failed'],
  ])('plays the outcome %j asks for on every call', async (flags, outcome) => {
    const stdout = capture();
    const controller = new AbortController();
    const argv = ['--polling-port', '0', '--webhook-port', '0', '--step-ms', '1-5', ...flags];
    const exit = runSimulatorCli(argv, {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(stdout.lines().join('\n')).toContain('press Ctrl+C'), WAIT);
      const url = /polling \S+ \S+ \S+ listening on (\S+)/.exec(stdout.lines().join('\n'))?.[1];
      for (let i = 0; i < 5; i += 1) {
        await postJson(`${url}/api/call`, { phone_number: `+1415555267${i}` });
      }
      await vi.waitFor(() => {
        const ends = stdout
          .lines()
          .filter((l) => / polling #\S+ \+1415555267\d (completed|busy|no-answer|failed)$/.test(l));
        expect(ends).toHaveLength(5);
        expect(ends.every((l) => l.endsWith(` ${outcome}`))).toBe(true);
      }, WAIT);
    } finally {
      controller.abort();
    }
    expect(await exit).toBe(0);
  });

  it('sends webhooks twice with --duplicate-webhook-rate 1, and the answer after the end with --late-webhook-rate 1', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const hooks = await startWebhookReceiver();
    const argv = ['--polling-port', '0', '--webhook-port', '0', '--step-ms', '1-5', '--seed', '2'];
    const flags = ['--duplicate-webhook-rate', '1', '--late-webhook-rate', '1'];
    const exit = runSimulatorCli([...argv, ...flags], {
      stdout: stdout.stream,
      stderr: capture().stream,
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(stdout.lines().join('\n')).toContain('press Ctrl+C'), WAIT);
      const url = /webhook \S+ \S+ \S+ listening on (\S+)/.exec(stdout.lines().join('\n'))?.[1];
      await postJson(`${url}/call`, { phone: '13018040009', webhookURL: hooks.url });
      await vi.waitFor(() => {
        const delivered = stdout
          .lines()
          .map((l) => / webhook #1001 \S+ (\S+) webhook delivered( again)?$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => `${m[1]}${m[2] ?? ''}`);
        expect(delivered).toContain('completed again');
        expect(delivered).toContain('answered again');
        expect(delivered.indexOf('completed')).toBeLessThan(delivered.indexOf('answered'));
      }, WAIT);
    } finally {
      controller.abort();
      await hooks.close();
    }
    expect(await exit).toBe(0);
  });

  it('formats each kind of event on one line', () => {
    const at = new Date(2030, 0, 1, 12, 0, 1, 234);
    const base = { at, flavour: 'webhook' as const, callId: '1001', phone: '+13018040009' };
    expect(formatEvent({ ...base, type: 'status', status: 'ringing' })).toBe(
      '12:00:01.234 webhook #1001 +13018040009 ringing',
    );
    const failed = formatEvent({
      ...base,
      type: 'webhook_failed',
      status: 'busy',
      url: 'http://x.test',
      error: new Error('webhook POST http://x.test answered 500'),
    });
    expect(failed).toBe(
      '12:00:01.234 webhook #1001 +13018040009 busy webhook failed: webhook POST http://x.test answered 500',
    );
    const rejected = formatEvent({
      at,
      flavour: 'polling',
      type: 'rejected',
      method: 'POST',
      path: '/api/call',
      httpStatus: 400,
      code: 'invalid_request',
      message: 'phone_number: required',
    });
    expect(rejected).toBe(
      '12:00:01.234 polling POST /api/call 400 invalid_request: phone_number: required',
    );
    const forward = formatEvent({
      ...base,
      type: 'forward',
      forward: { id: '1001-agent', to: 'sip:ana@pbx.example.com', status: 'in-progress' },
    });
    expect(forward).toBe(
      '12:00:01.234 webhook #1001 +13018040009 agent sip:ana@pbx.example.com in-progress',
    );
    expect(formatEvent({ ...base, type: 'spoken', text: 'Call us back.' })).toBe(
      '12:00:01.234 webhook #1001 +13018040009 abandoned: "Call us back."',
    );
  });
});
