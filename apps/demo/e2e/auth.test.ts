import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/call-client/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const app = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'browser-token-0123456789';

describe.skipIf(!existsSync(CHROMIUM))('the pages of a server with API_TOKEN', () => {
  let child: ChildProcess;
  let url: string;
  let browser: Browser;
  let sims: CallApiSimulator[];
  let dataDir: string;

  beforeAll(async () => {
    sims = await Promise.all([
      startCallApiSimulator({ flavour: 'polling', port: 0 }),
      startCallApiSimulator({ flavour: 'webhook', port: 0 }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-auth-'));
    child = spawn(process.execPath, ['dist/server.js'], {
      cwd: app,
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        API_TOKEN: TOKEN,
        CALL_API_URL: sims[0]!.url,
        DIALER_API_URL: sims[1]!.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ringkit demo listening on (\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGKILL');
    await Promise.all((sims ?? []).map((s) => s.close()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('work once given the token in the address, which leaves the address at once', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/dialer#token=${TOKEN}`);
      await page.locator('rk-dialer li.entry').first().waitFor();
      expect(page.url()).toBe(`${url}/dialer`);
      // The token stays for the tab: the next page works without it in the address.
      await page.goto(`${url}/calls/+13018040009`);
      await page.locator('rk-call-history').waitFor();
      expect(await page.locator('rk-call-history [role="alert"]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('say the API needs its token without it', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/dialer`);
      const alert = page.locator('rk-dialer [role="alert"]');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('API token');
      expect(await page.locator('rk-dialer li.entry').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
