import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  hasChromium,
  launchChromium,
  localInputIn,
  startBuiltServer,
  startSite,
  type BuiltServer,
} from './_support.js';

const LISTED = '+14155552671';
const FROM_SITE = '+13018040009';

/** The scheduled calls to `phone`, straight from the demo's API (no Origin: not a browser). */
async function callsTo(server: BuiltServer, phone: string): Promise<{ status: string }[]> {
  const res = await fetch(
    `${server.url}/api/scheduled-calls?phone_number=${encodeURIComponent(phone)}`,
  );
  return ((await res.json()) as { items: { status: string }[] }).items;
}

describe.skipIf(!hasChromium)('the elements on another site through /embed.js', () => {
  let browser: Browser;
  let polling: CallApiSimulator;
  let webhook: CallApiSimulator;
  let site: Awaited<ReturnType<typeof startSite>>;
  let dataDir: string;
  /** The demo the site's page loads its script from. */
  let demo: BuiltServer | undefined;
  const errors: string[] = [];

  beforeAll(async () => {
    assertBuilt();
    polling = await startCallApiSimulator({ flavour: 'polling', port: 0, seed: 11 });
    webhook = await startCallApiSimulator({ flavour: 'webhook', port: 0, seed: 12 });
    site = await startSite((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html>
        <html lang="en">
          <title>Another site</title>
          <main>
            <rk-scheduler></rk-scheduler>
          </main>
          <script src="${demo!.url}/embed.js"></script>
        </html>`);
    });
    browser = await launchChromium();
  });

  afterEach(() => {
    demo?.kill();
    demo = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([polling?.close(), webhook?.close(), site?.close()]);
  });

  /** Starts the demo with `env`, one call already scheduled on it. */
  async function startDemo(env: Record<string, string>): Promise<BuiltServer> {
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-embed-'));
    demo = await startBuiltServer({
      DATA_DIR: dataDir,
      CALL_API_URL: polling.url,
      DIALER_API_URL: webhook.url,
      ...env,
    });
    const res = await fetch(`${demo.url}/api/scheduled-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        phone_number: LISTED,
        scheduled_time: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    });
    expect(res.status).toBe(201);
    return demo;
  }

  async function openSite(): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/`);
    await page.locator('rk-scheduler form').waitFor();
    return page;
  }

  async function scheduleFromTheForm(page: Page): Promise<void> {
    await page.fill('rk-scheduler #phone', FROM_SITE);
    await page.fill('rk-scheduler #when', await localInputIn(page, 86_400_000));
    await page.click('rk-scheduler button[type=submit]');
  }

  it('lists and schedules calls from a site in ALLOWED_ORIGINS', async () => {
    const server = await startDemo({ ALLOWED_ORIGINS: `https://unrelated.example,${site.url}` });
    const page = await openSite();
    try {
      await page.locator('rk-scheduler li.call[data-status="scheduled"]').waitFor();
      expect(await page.locator('rk-scheduler li.call').count()).toBe(1);
      expect(await page.locator('rk-scheduler [role="alert"]').count()).toBe(0);

      const scheduled = page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener(
              'rk-call-scheduled',
              (e) =>
                resolve(
                  (e as CustomEvent<{ call: { phone_number: string } }>).detail.call.phone_number,
                ),
              { once: true },
            );
          }),
      );
      await scheduleFromTheForm(page);
      expect(await scheduled).toBe(FROM_SITE);
      await page.locator('rk-scheduler li.call').nth(1).waitFor();
      expect(await callsTo(server, FROM_SITE)).toMatchObject([{ status: 'scheduled' }]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.each([
    ['without ALLOWED_ORIGINS', ''],
    ['with ALLOWED_ORIGINS naming other sites', 'https://unrelated.example,http://127.0.0.1:1'],
  ])('is refused by CORS %s: an error shows and no call is made', async (_, allowed) => {
    const server = await startDemo({ ALLOWED_ORIGINS: allowed });
    const page = await openSite();
    try {
      // The script loads (anyone may embed it), but its requests to the API are refused.
      await page.locator('rk-scheduler .notice[role="alert"]').waitFor();
      expect(await page.textContent('rk-scheduler .notice[role="alert"]')).toContain(
        `does not let ${site.url} use it`,
      );
      expect(await page.locator('rk-scheduler li.call').count()).toBe(0);

      await scheduleFromTheForm(page);
      await page.locator('rk-scheduler .form-error[role="alert"]').waitFor();
      expect(await page.locator('rk-scheduler li.call').count()).toBe(0);
      expect(await callsTo(server, FROM_SITE)).toEqual([]);
      expect(await callsTo(server, LISTED)).toHaveLength(1);
    } finally {
      await page.close();
    }
  });
});
