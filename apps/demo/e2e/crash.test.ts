import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/call-client/testing';
import { chromium } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

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
      const match = /ringkit demo listening on (\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

interface Answer {
  status: number;
  body: {
    state?: string;
    interrupted_run?: {
      total: number;
      entries: { phone: string; status: string; outcome_unknown: boolean }[];
    };
    items?: { type: string }[];
    error?: { code: string };
  };
}

async function json(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the dialer when its process is killed', () => {
  let webhook: CallApiSimulator;
  let polling: CallApiSimulator;
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
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a record of every call placed before kill -9, and dials nothing again unasked', async () => {
    // Calls last a few seconds at the provider: some end while the app is dead.
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
    };
    const first = await startServer(env);
    children.push(first.child);
    expect((await json(`${first.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    // Killed once a call ended at the provider while others still ring.
    const ended = (c: { status: string }) => OUTCOMES.has(c.status);
    await until(
      async () => (webhook.calls().some(ended) && !webhook.calls().every(ended) ? true : undefined),
      'a call ended and others in flight',
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The calls in flight end at the provider while the app is dead. The kill often lands as the
    // next call is dialed, so a request already on the wire may reach the provider after it: what
    // was placed is read once every call has ended.
    await until(async () => (webhook.calls().every(ended) ? true : undefined), 'every call ended');
    const placed = webhook.calls().map((c) => c.phone);

    const second = await startServer(env);
    children.push(second.child);
    const dialer = (await json(`${second.url}/api/dialer`)).body;
    expect(dialer.state).toBe('idle');
    // What the interrupted run had dialed, each call on record. A record is written before its
    // request leaves, so the kill may leave one more record than calls placed: that one is unknown.
    expect(dialer.interrupted_run?.total).toBe(6);
    const entries = dialer.interrupted_run?.entries ?? [];
    const dialed = entries.map((c) => c.phone);
    expect(dialed).toEqual(expect.arrayContaining(placed));
    expect(dialed).toEqual(
      NUMBERS.split(',')
        .slice(0, dialed.length)
        .map((n) => `+${n}`),
    );
    for (const entry of entries.filter((c) => !placed.includes(c.phone))) {
      expect(entry.outcome_unknown).toBe(true);
    }
    const history = (await json(`${second.url}/api/calls/${encodeURIComponent(CALLER)}`)).body;
    // Every call placed is on record: with its outcome when the app lived to learn it, else as
    // unknown (it may have rung); none is left in progress, none is lost.
    expect(history.items).toHaveLength(dialed.length);
    const types = (history.items ?? []).map((item) => item.type);
    expect(types.every((t) => /^(Completed|Missed|Unknown) Outbound$/.test(t))).toBe(true);
    expect(types).toContain('Unknown Outbound');

    // Start alone dials nothing; starting again is an explicit choice.
    const refused = await json(`${second.url}/api/dialer/start`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('interrupted_run');
    expect(webhook.calls()).toHaveLength(placed.length);

    // The page shows the run cut short; the Call button is off, and dialing again is its own button.
    if (!existsSync(CHROMIUM)) return;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${second.url}/dialer`);
      const run = page.locator('rk-dialer [part~="interrupted"]');
      await run.waitFor();
      expect(await run.locator('li').count()).toBe(dialed.length);
      expect(await run.locator('[part~="status-unknown"]').count()).toBeGreaterThan(0);
      expect(await page.locator('rk-dialer button.primary').isDisabled()).toBe(true);
      await run.getByRole('button', { name: 'Dial the list again' }).click();
      await run.waitFor({ state: 'detached' });
      await until(
        async () => (webhook.calls().length === placed.length + 6 ? true : undefined),
        'the list dialed again',
      );
      await page.locator('rk-dialer li.entry[data-status="completed"]').nth(5).waitFor();
    } finally {
      await browser.close();
    }
  });
});
