import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { app, assertBuilt, freePort } from './_support.js';

/** `pnpm demo` is `node dist/demo.js`: the simulators, then the server. */
// SignalWire's and Vonage's call ids.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const blockers: Server[] = [];
const dataDirs: string[] = [];

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const blocker of blockers.splice(0)) await new Promise((r) => blocker.close(r));
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function takenPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs `node dist/demo.js`; resolves when it exits, or once it prints its URL (then `ready`
 * holds the URL and `stop()` ends it with Ctrl-C).
 */
function demo(env: Record<string, string>, args: string[] = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-demo-'));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ['dist/demo.js', ...args], {
    cwd: app,
    env: { ...process.env, DATA_DIR: dataDir, DEMO_HISTORY: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { stdout: '', stderr: '', code: null };
  const exited = new Promise<Run>((resolve) => {
    child.once('exit', (code) => {
      run.code = code;
      resolve(run);
    });
  });
  const ready = new Promise<string | undefined>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      run.stdout += chunk.toString();
      const match = /ringkit demo ready: open ([^\s"]+)/.exec(run.stdout);
      if (match) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    void exited.then(() => resolve(undefined));
  });
  const stop = async () => {
    if (run.code === null) child.kill('SIGINT');
    return exited;
  };
  return { ready, exited, stop };
}

describe('pnpm demo', () => {
  it('starts the simulators on the ports of CALL_API_URL and DIALER_API_URL and the server on PORT', async () => {
    const [web, polling, webhook] = [await freePort(), await freePort(), await freePort()];
    const run = demo({
      PORT: String(web),
      CALL_API_URL: `http://localhost:${polling}`,
      DIALER_API_URL: `http://localhost:${webhook}`,
    });
    try {
      const url = await run.ready;
      expect(url).toBe(`http://localhost:${web}`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Each simulator answers its own flavour's route where the variable points.
      const placed = await fetch(`http://127.0.0.1:${polling}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: '+14155552671' }),
      });
      expect(placed.status).toBeLessThan(300);
      const dialed = await fetch(`http://127.0.0.1:${webhook}/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '14155552671', webhookURL: `${url}/nowhere` }),
      });
      expect(dialed.status).toBeLessThan(300);
    } finally {
      const { code } = await run.stop();
      expect(code).toBe(0);
    }
    const { stdout, stderr } = await run.exited;
    // Every line it printed is a JSON log line, the simulators' addresses among them, though
    // LOG_LEVEL is warn; the shutdown's lines too.
    const lines = stdout.trim().split('\n');
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; url?: string });
    expect(logged.filter((line) => line.url).map(({ msg }) => msg)).toEqual([
      `Call API simulator (polling) on http://127.0.0.1:${polling}`,
      `Call API simulator (webhooks) on http://127.0.0.1:${webhook}`,
      `ringkit demo ready: open http://localhost:${web}`,
    ]);
    expect(stderr).toBe('');
  });

  it.each(['CALL_API_URL', 'DIALER_API_URL', 'PORT'] as const)(
    'stops with exit code 1 and one line naming %s when its port is taken',
    async (variable) => {
      const env: Record<string, string> = {
        PORT: String(await freePort()),
        CALL_API_URL: `http://localhost:${await freePort()}`,
        DIALER_API_URL: `http://localhost:${await freePort()}`,
      };
      const taken = await takenPort();
      env[variable] = variable === 'PORT' ? String(taken) : `http://localhost:${taken}`;
      const run = demo(env);
      const { code, stdout, stderr } = await run.exited;

      expect(code).toBe(1);
      expect(stdout).not.toContain('ready');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${variable}: .*${taken}.* already in use`));
      expect(lines[0]).toContain(`set ${variable} to a free port`);
    },
  );

  it('with --provider twilio, starts the Twilio simulator on the port of TWILIO_API_URL and places calls through it', async () => {
    const [web, twilio] = [await freePort(), await freePort()];
    const run = demo({ PORT: String(web), TWILIO_API_URL: `http://localhost:${twilio}` }, [
      '--provider',
      'twilio',
    ]);
    try {
      const url = await run.ready;
      expect(url).toBe(`http://localhost:${web}`);
      const created = await fetch(`${url}/api/scheduled-calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number: '+14155552671',
          scheduled_time: new Date().toISOString(),
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      // Placed through the Twilio simulator (a CallSid), and followed by its signed callbacks.
      await expect
        .poll(
          async () => {
            const res = await fetch(`${url}/api/scheduled-calls/${id}`);
            const call = (await res.json()) as { provider_call_id: string | null; status: string };
            return [/^CA[0-9a-f]{32}$/.test(call.provider_call_id ?? ''), call.status];
          },
          { timeout: 30_000, interval: 250 },
        )
        .toEqual([true, expect.stringMatching(/^(completed|busy|no-answer)$/)]);
    } finally {
      const { code } = await run.stop();
      expect(code).toBe(0);
    }
  });

  it('with --provider telnyx, starts the Telnyx simulator on the port of TELNYX_API_URL and places calls through it', async () => {
    const [web, telnyx] = [await freePort(), await freePort()];
    const run = demo({ PORT: String(web), TELNYX_API_URL: `http://localhost:${telnyx}` }, [
      '--provider',
      'telnyx',
    ]);
    try {
      const url = await run.ready;
      expect(url).toBe(`http://localhost:${web}`);
      const created = await fetch(`${url}/api/scheduled-calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number: '+14155552671',
          scheduled_time: new Date().toISOString(),
          message: 'Hello from the demo.',
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      // Placed through the Telnyx simulator (a call_control_id), and followed by its signed webhooks.
      await expect
        .poll(
          async () => {
            const res = await fetch(`${url}/api/scheduled-calls/${id}`);
            const call = (await res.json()) as { provider_call_id: string | null; status: string };
            return [/^v3:/.test(call.provider_call_id ?? ''), call.status];
          },
          { timeout: 30_000, interval: 250 },
        )
        .toEqual([true, expect.stringMatching(/^(completed|busy|no-answer)$/)]);
    } finally {
      const { code } = await run.stop();
      expect(code).toBe(0);
    }
  });

  it.each([
    ['signalwire', 'SIGNALWIRE_SPACE_URL'],
    ['vonage', 'VONAGE_API_URL'],
  ] as const)(
    'with --provider %s, starts its simulator on the port of %s and places calls through it',
    async (provider, variable) => {
      const [web, simulator] = [await freePort(), await freePort()];
      const run = demo({ PORT: String(web), [variable]: `http://localhost:${simulator}` }, [
        '--provider',
        provider,
      ]);
      try {
        const url = await run.ready;
        expect(url).toBe(`http://localhost:${web}`);
        const created = await fetch(`${url}/api/scheduled-calls`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            phone_number: '+14155552671',
            scheduled_time: new Date().toISOString(),
            message: 'Hello from the demo.',
          }),
        });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        // Placed through the provider's simulator (its call id), and followed by its signed webhooks.
        await expect
          .poll(
            async () => {
              const res = await fetch(`${url}/api/scheduled-calls/${id}`);
              const call = (await res.json()) as {
                provider_call_id: string | null;
                status: string;
              };
              return [UUID.test(call.provider_call_id ?? ''), call.status];
            },
            { timeout: 30_000, interval: 250 },
          )
          .toEqual([true, expect.stringMatching(/^(completed|busy|no-answer)$/)]);
      } finally {
        const { code } = await run.stop();
        expect(code).toBe(0);
      }
    },
  );

  it('with DEMO_PROVIDER=twilio, stops with one line naming TWILIO_API_URL when its port is taken', async () => {
    const taken = await takenPort();
    const run = demo({
      DEMO_PROVIDER: 'twilio',
      PORT: String(await freePort()),
      TWILIO_API_URL: `http://localhost:${taken}`,
    });
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(stdout).not.toContain('ready');
    expect(stderr.trim().split('\n')).toEqual([
      `TWILIO_API_URL: port ${taken} is already in use (the simulator listens where TWILIO_API_URL points); set TWILIO_API_URL to a free port, e.g. TWILIO_API_URL=http://localhost:${taken + 1}`,
    ]);
  });

  it('stops with one line for an unknown --provider', async () => {
    const run = demo({ PORT: String(await freePort()) }, ['--provider', 'plivo']);
    const { code, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      '--provider: must be mock, twilio, telnyx, signalwire or vonage, not "plivo"; usage: pnpm demo [-- --provider mock|twilio|telnyx|signalwire|vonage]',
    ]);
  });

  it('./scripts/pnpm demo ends on Ctrl-C with exit code 0 and no ELIFECYCLE line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-demo-'));
    dataDirs.push(dataDir);
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      DEMO_HISTORY: '0',
      LOG_LEVEL: 'warn',
      PORT: String(await freePort()),
      CALL_API_URL: `http://localhost:${await freePort()}`,
      DIALER_API_URL: `http://localhost:${await freePort()}`,
    };
    // As a terminal runs it: a process group of its own, which Ctrl-C signals whole.
    const child = spawn('bash', [join(app, '..', '..', 'scripts', 'pnpm'), 'demo'], {
      cwd: join(app, '..', '..'),
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (output.includes('ringkit demo ready')) resolve();
          else if (child.exitCode !== null) reject(new Error(`pnpm demo stopped: ${output}`));
          else return;
          clearInterval(check);
        }, 50);
      });
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      expect(output).not.toContain('ELIFECYCLE');
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    // The whole `pnpm demo` (a build, the simulators, the server) takes about 53 s on a busy
    // 2-core machine: the suite's 60 s leaves it no room.
  }, 180_000);
});
