import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  app,
  hasChromium,
  recordPageErrors,
  startBrowserDemo,
  type BuiltServer,
  type BrowserDemo,
} from './_support.js';

const PHONE = '+14155552671';

/** A locator's text, its white space as one space. */
const text = async (locator: Locator) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!hasChromium)('the do-not-call list', () => {
  let demo: BrowserDemo;
  let server: BuiltServer;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startBrowserDemo({ name: 'dnc', polling: { seed: 41 }, webhook: false });
    ({ server, browser } = demo);
  });

  afterAll(() => demo?.close());

  it('opts a number out from its history, shows it on the list page and on a suppressed call, and removes it there after asking', async () => {
    const page = await browser.newPage();
    const list = await browser.newPage();
    const errors: string[] = [];
    recordPageErrors(page, errors);
    recordPageErrors(list, errors);
    try {
      // The list has a page of its own, in the navigation of every page.
      await list.goto(server.url);
      await list.click('nav a[href="/do-not-call"]');
      await list.locator('h1', { hasText: 'Do not call' }).waitFor();
      await list.locator('rk-do-not-call [data-testid="empty"]').waitFor();
      expect(await list.locator(`rk-do-not-call tr[data-phone="${PHONE}"]`).count()).toBe(0);

      await page.goto(`${server.url}/calls/${encodeURIComponent(PHONE)}`);
      expect(await page.locator('rk-do-not-call').count()).toBe(0);
      const optOut = page.locator('rk-call-history [part~="opt-out"]');
      await optOut.locator('button', { hasText: "Don't call this number" }).click();
      await page.waitForFunction(
        () =>
          document
            .querySelector('rk-call-history')
            ?.shadowRoot?.querySelector('[part~="opt-out"]')
            ?.getAttribute('data-listed') === 'true',
      );
      expect(await text(optOut)).toMatch(/on the do-not-call list since .*\(opted out\)/i);
      // The list page, open meanwhile, shows it without a reload.
      const row = list.locator(`rk-do-not-call tr[data-phone="${PHONE}"]`);
      await row.waitFor();
      expect(await text(row.locator('td.reason'))).toBe('opted out');
      expect(await text(row.locator('td.until'))).toMatch(/No end/);
      if (process.env['RINGKIT_SCREENSHOTS'] === '1') {
        await list.setViewportSize({ width: 1280, height: 900 });
        await list.screenshot({ path: join(app, 'screenshots', 'do-not-call.png') });
      }

      // A call due to it ends suppressed: the scheduler says so, with the entry's reason.
      const scheduled = await fetch(`${server.url}/api/scheduled-calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number: PHONE,
          scheduled_time: new Date(Date.now() + 300).toISOString(),
        }),
      });
      expect(scheduled.status).toBe(201);
      const scheduler = await browser.newPage();
      recordPageErrors(scheduler, errors);
      await scheduler.goto(server.url);
      const reason = scheduler.locator('rk-scheduler [part~="suppressed"]');
      await reason.waitFor({ timeout: 10_000 });
      expect(await text(reason)).toMatch(/do-not-call list\s*\(\s*“?opted out/);
      expect(
        await text(scheduler.locator('rk-scheduler li[data-status="suppressed"] .badge').first()),
      ).toBe('do not call');
      await scheduler.close();

      // Remove asks first: Keep keeps it, Remove takes it off, and the history offers the button again.
      await row.locator('button', { hasText: 'Remove' }).click();
      const dialog = list.locator('rk-do-not-call dialog[open]');
      await dialog.waitFor();
      await dialog.locator('button', { hasText: 'Keep it on the list' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await row.count()).toBe(1);
      await row.locator('button', { hasText: 'Remove' }).click();
      await dialog.locator('button', { hasText: /^Remove$/ }).click();
      await row.waitFor({ state: 'detached' });
      await optOut.locator('button', { hasText: "Don't call this number" }).waitFor();
      expect(
        (await fetch(`${server.url}/api/suppressions/${encodeURIComponent(PHONE)}`)).status,
      ).toBe(404);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await list.close();
    }
  });
});
