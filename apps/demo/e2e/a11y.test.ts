import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/call-client/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const app = fileURLToPath(new URL('..', import.meta.url));
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now. */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as { violations: unknown[] };
    return result.violations;
  });
  return (found as Violation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`,
      ),
    );
}

describe.skipIf(!existsSync(CHROMIUM))('accessibility of every page (axe-core)', () => {
  let child: ChildProcess;
  let url: string;
  let browser: Browser;
  let sims: CallApiSimulator[];
  let dataDir: string;

  beforeAll(async () => {
    sims = await Promise.all([
      startCallApiSimulator({
        flavour: 'polling',
        port: 0,
        stepMs: [100, 300],
        outcomes: { completed: 1, busy: 1, 'no-answer': 1, failed: 1 },
        seed: 3,
      }),
      startCallApiSimulator({
        flavour: 'webhook',
        port: 0,
        stepMs: [100, 400],
        outcomes: { completed: 1, busy: 1, 'no-answer': 1, failed: 1 },
        seed: 4,
      }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-a11y-'));
    child = spawn(process.execPath, ['dist/server.js'], {
      cwd: app,
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        DEMO_HISTORY: '1',
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
    // Calls of every outcome, so every status badge is on the pages.
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < 6; i += 1) {
      await post('/api/scheduled-calls', {
        phone_number: `+1415555${2600 + i}`,
        scheduled_time: new Date(Date.now() + (i < 4 ? 1_000 : 3_600_000)).toISOString(),
      });
    }
    await post('/api/dialer/start', {});
    await new Promise((resolve) => setTimeout(resolve, 4_000));
  });

  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGKILL');
    await Promise.all((sims ?? []).map((s) => s.close()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['the scheduler', '/', 'rk-scheduler li, rk-scheduler tr'],
    ['the dialer', '/dialer', 'rk-dialer li.entry'],
    ['a call history', '/calls/+13018040009', 'rk-call-history tbody tr'],
  ])('%s has no serious or critical violation', async (_, path, ready) => {
    // The page's own CSP forbids inline scripts: the test's axe script is let in alone.
    const page = await browser.newPage({ bypassCSP: true });
    try {
      await page.goto(`${url}${path}`);
      await page.locator(ready).first().waitFor();
      expect(await violations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('keeps the keyboard order: skip link, navigation, then the form', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/`);
      await page.locator('rk-scheduler form').waitFor();
      const order: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        await page.keyboard.press('Tab');
        order.push(
          await page.evaluate(() => {
            let el: Element | null = document.activeElement;
            while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
            return `${el?.tagName.toLowerCase()}:${(el?.textContent ?? '').trim().slice(0, 20)}`;
          }),
        );
      }
      // The skip link first, then the navigation's links, then the form's first field.
      expect(order[0]).toMatch(/^a:Skip/i);
      const field = order.findIndex((o) => /^(input|select|textarea|button):/.test(o));
      expect(field).toBeGreaterThan(1);
      expect(order.slice(1, field).every((o) => o.startsWith('a:'))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
