/** `ringkit-sim --signalwire-port`: the SignalWire flavour from the command line. */
import { describe, expect, it, vi } from 'vitest';
import { runSimulatorCli, type SimulatorCliIo } from './_cli.js';
import { officialClientOf, RestClient, startVerifyingReceiver } from './_signalwire-official.js';
import { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';

const PORTS = ['--polling-port', '0', '--webhook-port', '0'];
const WAIT = { timeout: 5000, interval: 5 };
const TO = '+14155552671';
const FROM = '+15005550006';

function capture() {
  let text = '';
  return {
    stream: { write: (chunk: string) => (text += chunk) },
    lines: () => text.split('\n').filter(Boolean),
  };
}

/** Runs the CLI until `use` is done with the SignalWire flavour's line; its exit code. */
async function withCli(
  argv: string[],
  use: (line: string, stdout: () => string) => Promise<void>,
  env: SimulatorCliIo['env'] = {},
) {
  const stdout = capture();
  const stderr = capture();
  const controller = new AbortController();
  const exit = runSimulatorCli([...PORTS, ...argv], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    signal: controller.signal,
    env,
  });
  try {
    await vi.waitFor(() => expect(stdout.lines().join('\n')).toMatch(/^seed /m), WAIT);
    const line = stdout.lines().find((l) => l.startsWith('signalwire ')) ?? '';
    await use(line, () => stdout.lines().join('\n'));
  } finally {
    controller.abort();
  }
  expect(stderr.lines()).toEqual([]);
  return exit;
}

const urlOf = (line: string) => /listening on (\S+)/.exec(line)?.[1] ?? '';

describe('ringkit-sim --signalwire-port', () => {
  it('starts the SignalWire flavour, prints its project, and plays calls the official client places', async () => {
    const hooks = await startVerifyingReceiver();
    const { projectId, apiToken, signingKey } = SIGNALWIRE_TEST_CREDENTIALS;
    try {
      const argv = ['--signalwire-port', '0', '--step-ms', '5', '--calls-per-second', '50'];
      const code = await withCli([...argv, '--seed', '3'], async (line, stdout) => {
        expect(line).toMatch(
          new RegExp(
            `^signalwire \\(SignalWire Compatibility API\\) listening on http://127\\.0\\.0\\.1:\\d+ \\(project ${projectId}, API token ${apiToken}, signing key ${signingKey}\\)$`,
          ),
        );
        const client = officialClientOf(urlOf(line));
        const { sid } = await client.calls.create({
          to: TO,
          from: FROM,
          url: 'https://app.example/voice',
          statusCallback: `${hooks.url}/status`,
        });
        await vi.waitFor(() => {
          expect(stdout()).toMatch(new RegExp(`signalwire #${sid} \\${TO} completed$`, 'm'));
          expect(stdout()).toMatch(
            new RegExp(`signalwire #${sid} \\${TO} completed webhook delivered$`, 'm'),
          );
        }, WAIT);
        expect(hooks.received).toMatchObject([{ valid: true, params: { CallSid: sid } }]);
      });
      expect(code).toBe(0);
    } finally {
      await hooks.close();
    }
  });

  it('reads the port from SIM_SIGNALWIRE_PORT and the project from its options and variables', async () => {
    const project = {
      projectId: '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      apiToken: 'PTfromcli',
      signingKey: 'PSK_fromenv',
    };
    const hooks = await startVerifyingReceiver(() => 204, project.signingKey);
    try {
      const argv = ['--step-ms', '5', '--signalwire-project-id', project.projectId];
      const env = {
        SIM_SIGNALWIRE_PORT: '0',
        SIM_SIGNALWIRE_API_TOKEN: project.apiToken,
        SIM_SIGNALWIRE_SIGNING_KEY: project.signingKey,
      };
      const code = await withCli(
        argv,
        async (line) => {
          expect(line).toContain(
            `(project ${project.projectId}, API token ${project.apiToken}, signing key ${project.signingKey})`,
          );
          const client = officialClientOf(urlOf(line), project);
          const { sid, accountSid } = await client.calls.create({
            to: TO,
            from: FROM,
            url: 'https://app.example/voice',
            statusCallback: `${hooks.url}/status`,
          });
          expect(accountSid).toBe(project.projectId);
          await vi.waitFor(() => expect(hooks.statusesOf(sid)).toEqual(['completed']), WAIT);
          expect(hooks.received[0]?.valid).toBe(true);
          const { url, params, headers } = hooks.received[0]!;
          const signature = String(headers['x-signalwire-signature']);
          const { signingKey } = SIGNALWIRE_TEST_CREDENTIALS;
          expect(RestClient.validateRequest(signingKey, signature, url, params)).toBe(false);
        },
        env,
      );
      expect(code).toBe(0);
    } finally {
      await hooks.close();
    }
  });

  it('rings an app from the SignalWire flavour with the --inbound-… options', async () => {
    const app = await startVerifyingReceiver(() => '<Response><Hangup/></Response>');
    try {
      const argv = ['--signalwire-port', '0', '--inbound-url', `${app.url}/voice`];
      const code = await withCli([...argv, '--inbound-hang-up-rate', '0'], async (line, stdout) => {
        expect(stdout()).toContain(`inbound calls ring ${app.url}/voice; POST ${urlOf(line)}`);
        const rung = await fetch(`${urlOf(line)}/_sim/inbound`, { method: 'POST' });
        const { id } = (await rung.json()) as { id: string };
        await vi.waitFor(() => expect(app.statusesOf(id)).toEqual(['ringing']), WAIT);
        expect(app.received[0]).toMatchObject({ valid: true, params: { Direction: 'inbound' } });
      });
      expect(code).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('lists the SignalWire options in --help, each with its variable', async () => {
    const stdout = capture();
    const code = await runSimulatorCli(['--help'], {
      stdout: stdout.stream,
      stderr: capture().stream,
    });
    expect(code).toBe(0);
    const help = stdout.lines().join('\n');
    for (const [flag, variable] of [
      ['--signalwire-port', 'SIM_SIGNALWIRE_PORT'],
      ['--signalwire-project-id', 'SIM_SIGNALWIRE_PROJECT_ID'],
      ['--signalwire-api-token', 'SIM_SIGNALWIRE_API_TOKEN'],
      ['--signalwire-signing-key', 'SIM_SIGNALWIRE_SIGNING_KEY'],
    ]) {
      expect(help).toMatch(new RegExp(`^  ${flag} .*\\n?.*\\(env ${variable}\\)`, 'm'));
    }
  });

  it.each([
    [['--signalwire-port', 'x'], '--signalwire-port / SIM_SIGNALWIRE_PORT must be a number'],
    [['--signalwire-port', '70000'], 'between 0 and 65535'],
    [['--calls-per-second', '2'], '--calls-per-second needs --twilio-port or --signalwire-port'],
    [
      ['--signalwire-port', '0', '--signalwire-project-id', '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d'],
      '--signalwire-project-id, --signalwire-api-token and --signalwire-signing-key go together',
    ],
    [
      [
        '--signalwire-port',
        '0',
        '--signalwire-project-id',
        'AC0123',
        '--signalwire-api-token',
        't',
        '--signalwire-signing-key',
        'k',
      ],
      '--signalwire-project-id: projectId must be a UUID',
    ],
    [
      [
        '--twilio-port',
        '0',
        '--signalwire-project-id',
        '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
        '--signalwire-api-token',
        't',
        '--signalwire-signing-key',
        'k',
      ],
      "--signalwire-project-id (or the scenario's signalwire) needs --signalwire-port",
    ],
    [
      ['--signalwire-port', '0', '--twilio-port', '0', '--inbound-url', 'http://127.0.0.1:1/'],
      'inbound calls ring one app: start only one of',
    ],
  ])('exits 2 on %j with one line saying why', async (argv, says) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runSimulatorCli([...PORTS, ...argv], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.lines()[0]).toContain(says);
    expect(stdout.lines()).toEqual([]);
  });
});
