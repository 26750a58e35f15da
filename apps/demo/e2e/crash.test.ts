import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
} from '@ringkit/simulator';
import { chromium } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './_support.js';

const CHROMIUM = '/usr/bin/chromium';
const app = fileURLToPath(new URL('..', import.meta.url));
const NUMBERS = '13018040009,19842068287,15512459377,14155552671,12025550123,12125550101';
const CALLER = '+14155550100';
const OUTCOMES = new Set(['completed', 'busy', 'no-answer', 'failed']);

/** `node dist/server.js` on a free port; resolves with its URL once it listens. */
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: app,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ringkit demo listening on ([^\s"]+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

interface Entry {
  index: number;
  phone: string;
  status: string;
  attempts: number;
  reason: string | null;
  call_id: string | null;
}

interface Answer {
  status: number;
  body: {
    state?: string;
    entries?: Entry[];
    items?: { type: string }[];
    error?: { code: string };
  };
}

async function json(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the dialer when its process is killed', () => {
  let webhook: CallApiSimulator | undefined;
  let polling: CallApiSimulator | undefined;
  let twilio: CallApiSimulator | undefined;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(join(app, 'dist/server.js'))) {
      throw new Error('The app is not built: run `pnpm --filter @ringkit/demo build` first');
    }
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await webhook?.close();
    await polling?.close();
    await twilio?.close();
    webhook = polling = twilio = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('goes on after kill -9 where it stood: every number dialed at most once, every call on record', async () => {
    // Calls last a while at the provider: some end while the app is dead.
    webhook = await startCallApiSimulator({ flavour: 'webhook', port: 0, stepMs: [300, 900] });
    polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-crash-'));
    const env = {
      DATA_DIR: dataDir,
      CALL_API_URL: polling.url,
      DIALER_API_URL: webhook.url,
      DIALER_NUMBERS: NUMBERS,
      DIALER_CONCURRENCY: '3',
      CALLER_ID: CALLER,
      // The next process is at another address: the webhooks of the calls in flight at the
      // kill reach nobody, and those calls end at this timeout, never placed again.
      DIALER_CALL_TIMEOUT_MS: '3000',
    };
    const first = await startServer(env);
    children.push(first.child);
    expect((await json(`${first.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    // Killed once a call ended at the provider while others still ring.
    const ended = (c: { status: string }) => OUTCOMES.has(c.status);
    const calls = () => webhook!.calls();
    await until(
      async () => (calls().some(ended) && !calls().every(ended) ? true : undefined),
      'a call ended and others in flight',
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const beforeKill = calls().length;

    const second = await startServer(env);
    children.push(second.child);
    // Joined at start and dialed to its end without being asked.
    const dialer = await until(async () => {
      const { body } = await json(`${second.url}/api/dialer`);
      return body.state === 'done' ? body : undefined;
    }, 'the default campaign done');
    const entries = dialer.entries ?? [];
    expect(entries).toHaveLength(6);
    // No number was placed twice, and the first process placed in list order. An entry it had
    // claimed but not sent when killed waits out its lease, so entries after it may go first.
    const placed = calls().map((c) => c.phone);
    const inOrder = (phones: string[]) =>
      NUMBERS.split(',')
        .map((n) => `+${n}`)
        .filter((phone) => phones.includes(phone));
    expect(placed.slice(0, beforeKill)).toEqual(inOrder(placed.slice(0, beforeKill)));
    expect(new Set(placed).size).toBe(placed.length);
    for (const entry of entries) expect(entry.attempts).toBe(1);
    // A placement the kill cut short ends as of unknown outcome, the rest as the provider said
    // (or at their timeout).
    for (const entry of entries.filter((e) => !placed.includes(e.phone))) {
      expect(entry).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    }
    expect(calls()).toHaveLength(placed.length);

    // Every call placed is on record, none left in progress.
    const history = await until(async () => {
      const { body } = await json(`${second.url}/api/calls/${encodeURIComponent(CALLER)}`);
      const types = (body.items ?? []).map((item) => item.type);
      return types.length >= placed.length && !types.some((t) => t.startsWith('In progress'))
        ? types
        : undefined;
    }, 'every call on record');
    expect(history.every((t) => /^(Completed|Missed|Unknown) Outbound$/.test(t))).toBe(true);

    // The page shows the list at its end; its button runs the list again.
    if (!existsSync(CHROMIUM)) return;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${second.url}/dialer`);
      await page.locator('rk-dialer li.entry').nth(5).waitFor();
      expect(await page.locator('rk-dialer li.entry[data-status="idle"]').count()).toBe(0);
      const again = page.locator('rk-dialer button.primary');
      expect((await again.textContent())?.trim()).toBe('Call again');
      expect(await again.isEnabled()).toBe(true);
    } finally {
      await browser.close();
    }
  });
  it('with Twilio, settles at the restart every call that ended while it was dead, long before the call timeout', async () => {
    // Each step of a call takes 2–3 s: the calls ring on while the app is dead, and end then.
    twilio = await startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: [2_000, 3_000],
      outcomes: { completed: 2, busy: 1, 'no-answer': 1 },
      callsPerSecond: 50,
      seed: 7,
    });
    const simulator = twilio;
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-crash-twilio-'));
    // The next process at the same address: Twilio signs the URL it posts to.
    const port = await freePort();
    const env = {
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      DATA_DIR: dataDir,
      CALLER_ID: CALLER,
      CALL_PROVIDER: 'twilio',
      TWILIO_API_URL: simulator.url,
      TWILIO_ACCOUNT_SID: TWILIO_TEST_CREDENTIALS.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO_TEST_CREDENTIALS.authToken,
      DIALER_NUMBERS: NUMBERS,
      DIALER_CONCURRENCY: '3',
      CALL_API_URL: 'http://127.0.0.1:9',
      DIALER_API_URL: 'http://127.0.0.1:9',
      // DIALER_CALL_TIMEOUT_MS left at its default, an hour: only a look-up ends a call sooner.
    };
    const first = await startServer(env);
    children.push(first.child);
    expect((await json(`${first.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    // Killed once three calls are placed and recorded, all still ringing.
    await until(async () => {
      const { body } = await json(`${first.url}/api/dialer`);
      return (body.entries ?? []).filter((e) => e.call_id !== null).length === 3 ? true : undefined;
    }, 'three calls placed');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const atKill = simulator.calls().map((c) => ({ id: c.id, phone: c.phone }));
    expect(atKill).toHaveLength(3);
    // They end at the provider while nobody takes their callbacks: those are lost.
    const ended = (id: string) =>
      OUTCOMES.has(simulator.calls().find((c) => c.id === id)?.status ?? '');
    await until(
      async () => (atKill.every((c) => ended(c.id)) ? true : undefined),
      'the calls to end at the provider',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const second = await startServer(env);
    children.push(second.child);
    const settled = await until(async () => {
      const { body } = await json(`${second.url}/api/dialer`);
      const entries = (body.entries ?? []).filter((e) => atKill.some((c) => c.phone === e.phone));
      return entries.length === 3 && entries.every((e) => OUTCOMES.has(e.status))
        ? entries
        : undefined;
    }, 'the calls the dead process placed to be settled');
    // As Twilio says each ended, never at the timeout, and never placed again.
    const outcomeOf = (phone: string) => simulator.calls().find((c) => c.phone === phone)!.outcome;
    for (const entry of settled) {
      expect([entry.phone, entry.status, entry.attempts]).toEqual([
        entry.phone,
        outcomeOf(entry.phone),
        1,
      ]);
    }
    // Their places went to the rest of the list, dialed to its end.
    const done = await until(async () => {
      const { body } = await json(`${second.url}/api/dialer`);
      return body.state === 'done' ? body : undefined;
    }, 'the default campaign done');
    const phones = NUMBERS.split(',').map((n) => `+${n}`);
    expect(simulator.calls().map((c) => c.phone)).toEqual(phones);
    expect((done.entries ?? []).map((e) => [e.phone, e.status])).toEqual(
      phones.map((phone) => [phone, outcomeOf(phone)]),
    );
  }, 120_000);
});
