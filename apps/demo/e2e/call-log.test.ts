/**
 * The log of every call, on the history page without a number, in Chromium: newest first,
 * filtered by outcome and number (a refusal under its field), its CSV download, each number a
 * link to its history; screenshots at 1280 and 390 px wide on request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  app,
  hasChromium,
  startBrowserDemo,
  type BrowserDemo,
  type BuiltServer,
} from './_support.js';

const refreshScreenshots = process.env['RINGKIT_SCREENSHOTS'] === '1';

/** The rows the log shows: each call's id and outcome. */
const rows = (page: Page) =>
  page
    .locator('rk-call-log tr[part~="row"]')
    .evaluateAll((trs) => trs.map((tr) => [tr.dataset['id'], tr.dataset['outcome']]));

describe.skipIf(!hasChromium)('the call log', () => {
  let demo: BrowserDemo;
  let server: BuiltServer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    demo = await startBrowserDemo({
      name: 'call-log',
      webhook: false,
      env: ({ polling }) => ({
        CALL_API_URL: polling!.url,
        DIALER_API_URL: 'http://127.0.0.1:9',
        DEMO_HISTORY: '1',
      }),
      page: { acceptDownloads: true, viewport: { width: 1280, height: 900 } },
    });
    ({ server, browser, page, pageErrors } = demo);
  });
  afterAll(() => demo?.close());

  it('lists every call of every number, newest first, the history hidden', async () => {
    await page.goto(`${server.url}/calls`);
    await page.locator('rk-call-log tr[part~="row"]').first().waitFor();
    expect(await page.locator('rk-call-history').isHidden()).toBe(true);
    const api = (await (await fetch(`${server.url}/api/calls?limit=50`)).json()) as {
      items: { id: string; started_at: string }[];
    };
    const shown = await rows(page);
    expect(shown.map(([id]) => id)).toEqual(api.items.map((item) => item.id));
    const starts = api.items.map((item) => Date.parse(item.started_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    // A call placed now comes to the top as it is recorded, with no reload.
    const placed = await fetch(`${server.url}/api/scheduled-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        phone_number: '+12025550123',
        scheduled_time: new Date(Date.now() + 300).toISOString(),
      }),
    });
    expect(placed.status).toBe(201);
    await page
      .locator('rk-call-log tr[part~="row"]')
      .first()
      .locator('a', { hasText: '+1 (202) 555-0123' })
      .waitFor({ timeout: 30_000 });
    if (refreshScreenshots) {
      await page.screenshot({ path: join(app, 'screenshots', 'call-log.png') });
      const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await narrow.goto(`${server.url}/calls`);
      await narrow.locator('rk-call-log tr[part~="row"]').first().waitFor();
      await narrow.screenshot({
        path: join(app, 'screenshots', 'call-log-390.png'),
        fullPage: true,
      });
      await narrow.close();
    }
  });

  it('filters by outcome and by number, and says what it refuses under the field', async () => {
    await page.goto(`${server.url}/calls`);
    await page.locator('rk-call-log tr[part~="row"]').first().waitFor();
    await page.selectOption('rk-call-log #log-outcome', 'missed');
    await page.click('rk-call-log button[part~="apply"]');
    await expect
      .poll(async () => new Set((await rows(page)).map(([, outcome]) => outcome)))
      .toEqual(new Set(['missed']));

    await page.selectOption('rk-call-log #log-outcome', '');
    await page.fill('rk-call-log #log-phone', 'nobody');
    await page.click('rk-call-log button[part~="apply"]');
    const error = page.locator('rk-call-log #log-phone-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/nobody/);
    expect(await page.locator('rk-call-log #log-phone').getAttribute('aria-invalid')).toBe('true');

    await page.fill('rk-call-log #log-phone', '');
    await page.click('rk-call-log button[part~="apply"]');
    await error.waitFor({ state: 'detached' });
  });

  it('downloads the calls the filters keep as CSV, and links each number to its history', async () => {
    await page.goto(`${server.url}/calls`);
    await page.locator('rk-call-log tr[part~="row"]').first().waitFor();
    await page.selectOption('rk-call-log #log-direction', 'inbound');
    await page.click('rk-call-log button[part~="apply"]');
    await expect
      .poll(async () => page.locator('rk-call-log a[part~="download"]').getAttribute('href'))
      .toMatch(/\/api\/calls\.csv\?direction=inbound$/);
    const shown = await rows(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('rk-call-log a[part~="download"]'),
    ]);
    expect(download.suggestedFilename()).toBe('calls.csv');
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(/^started_at,direction,from,to,status,/);
    expect(lines.slice(1).every((line) => line.split(',')[1] === 'inbound')).toBe(true);
    expect(lines.length - 1).toBeGreaterThanOrEqual(shown.length);

    const link = page.locator('rk-call-log tr[part~="row"] td:nth-child(3) a').first();
    const href = await link.getAttribute('href');
    await link.click();
    await page.waitForURL(`**${href}`);
    await page.locator('rk-call-history table').waitFor();
    expect(await page.locator('rk-call-log').isHidden()).toBe(true);
    expect(pageErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });
});
