import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  hasChromium,
  launchChromium,
  seriousViolations,
  startBuiltServer,
  type BuiltServer,
} from './_support.js';

/**
 * The elements `<rk-scheduler>` is made of, each on its own on a page, as a site that embeds
 * only one of them uses it.
 */
describe.skipIf(!hasChromium)('the parts of the scheduler as elements of their own', () => {
  let polling: CallApiSimulator;
  let webhook: CallApiSimulator;
  let server: BuiltServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    polling = await startCallApiSimulator({ flavour: 'polling', port: 0, seed: 31 });
    webhook = await startCallApiSimulator({ flavour: 'webhook', port: 0, seed: 32 });
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-elements-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      CALL_API_URL: polling.url,
      DIALER_API_URL: webhook.url,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await Promise.all([polling?.close(), webhook?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The call history page (no scheduler on it), with `html` added to its main element. */
  async function pageWith(html: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${server.url}/calls`);
    await page.evaluate((markup) => {
      document.querySelector('main')!.insertAdjacentHTML('beforeend', markup);
    }, html);
    return page;
  }

  it('<rk-schedule-form> schedules a call and tells the page with rk-call-scheduled', async () => {
    const page = await pageWith('<rk-schedule-form></rk-schedule-form>');
    try {
      await page.evaluate(() => {
        const w = window as unknown as { scheduled: unknown[] };
        w.scheduled = [];
        document.addEventListener('rk-call-scheduled', (event) =>
          w.scheduled.push((event as CustomEvent).detail.call),
        );
      });
      await page.fill('rk-schedule-form #phone', '+1 984 206 8287');
      await page.click('rk-schedule-form button[type=submit]');
      await page.waitForFunction(
        () => (window as unknown as { scheduled: unknown[] }).scheduled.length === 1,
      );
      const [call] = await page.evaluate(
        () =>
          (window as unknown as { scheduled: { id: string; phone_number: string }[] }).scheduled,
      );
      expect(call?.phone_number).toBe('+19842068287');
      const stored = await fetch(`${server.url}/api/scheduled-calls/${call!.id}`);
      expect(stored.status).toBe(200);
      // The form is ready for the next call.
      expect(await page.inputValue('rk-schedule-form #phone')).toBe('');
    } finally {
      await page.close();
    }
  });

  it('<rk-schedule-form> shows what is wrong on the field and sends nothing', async () => {
    const page = await pageWith('<rk-schedule-form></rk-schedule-form>');
    try {
      const before = (await (await fetch(`${server.url}/api/scheduled-calls`)).json()) as {
        items: unknown[];
      };
      await page.fill('rk-schedule-form #phone', '12');
      await page.click('rk-schedule-form button[type=submit]');
      const error = page.locator('rk-schedule-form #phone-error');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/country code/);
      expect(await page.getAttribute('rk-schedule-form #phone', 'aria-invalid')).toBe('true');
      const after = (await (await fetch(`${server.url}/api/scheduled-calls`)).json()) as {
        items: unknown[];
      };
      expect(after.items).toHaveLength(before.items.length);
    } finally {
      await page.close();
    }
  });

  it('<rk-call-timeline> shows each step with its status and reason', async () => {
    const page = await pageWith('<rk-call-timeline></rk-call-timeline>');
    try {
      await page.evaluate(() => {
        const timeline = document.querySelector('rk-call-timeline')!;
        timeline.steps = [
          {
            status: 'scheduled',
            at: '2026-03-08T08:00:00Z',
            attempt: 1,
            provider_status: null,
            reason: null,
          },
          {
            status: 'queued',
            at: '2026-03-08T08:01:00Z',
            attempt: 1,
            provider_status: null,
            reason: null,
          },
          {
            status: 'failed',
            at: '2026-03-08T08:01:01Z',
            attempt: 1,
            provider_status: null,
            reason: 'outcome_unknown',
          },
        ];
      });
      const summary = page.locator('rk-call-timeline summary');
      expect(await summary.textContent()).toBe('Timeline (3)');
      await summary.click();
      const steps = page.locator('rk-call-timeline ol.timeline li');
      expect(await steps.count()).toBe(3);
      expect(await steps.nth(2).locator('.badge').getAttribute('data-status')).toBe('failed');
      expect(await steps.nth(2).textContent()).toContain('(outcome unknown)');
    } finally {
      await page.close();
    }
  });

  it('/calls without a number says what to enter, and <rk-call-history> without one asks for it', async () => {
    const page = await browser.newPage({ bypassCSP: true });
    try {
      await page.goto(`${server.url}/calls`);
      const hint = await page.locator('#lookup #lookup-phone').getAttribute('aria-describedby');
      expect(await page.locator(`main > #${hint}`).textContent()).toMatch(
        /Enter the number with its country code/,
      );
      // The number looked up keeps the + typed, in the URL and in the field of the next page.
      await page.fill('#lookup #lookup-phone', '+44 20 7946 0958');
      await Promise.all([page.waitForURL(/\/calls\/.+/), page.click('#lookup button')]);
      expect(await page.inputValue('#lookup #lookup-phone')).toBe('+44 20 7946 0958');
      expect(await page.textContent('rk-call-history h2')).toContain('+44 20 7946 0958');
      await page.goto(`${server.url}/calls`);
      // The element on its own, as another site embeds it, with no number given.
      await page.evaluate(() => {
        document
          .querySelector('main')!
          .insertAdjacentHTML('beforeend', '<rk-call-history id="own"></rk-call-history>');
      });
      const own = page.locator('#own');
      await own.locator('form[part="lookup"]').waitFor();
      expect(await own.locator('#lookup-hint').textContent()).toContain('Enter a phone number');
      expect(await seriousViolations(page)).toEqual([]);
      await own.locator('#lookup-phone').fill('+1 415 555 2671');
      await own.getByRole('button', { name: 'Show calls' }).click();
      await expect
        .poll(async () => (await own.locator('h2').textContent())?.replace(/\s+/g, ' ').trim())
        .toBe('Calls of +1 (415) 555-2671');
      await own.locator('p.empty').waitFor();
      expect(await own.locator('form[part="lookup"]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
