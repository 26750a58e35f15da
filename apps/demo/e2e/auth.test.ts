import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  hasChromium,
  launchChromium,
  recordPageErrors,
  seriousViolations,
  startBuiltServer,
  type BuiltServer,
} from './_support.js';

const TOKEN = 'browser-token-0123456789';

/**
 * The pages of a server with API_TOKEN: they ask a browser user for the token once, in a form,
 * keep it for the tab and send it as `Authorization: Bearer`, event streams included, so the
 * token never goes into a URL.
 */
describe.skipIf(!hasChromium)('the pages of a server with API_TOKEN', () => {
  let server: BuiltServer;
  let browser: Browser;
  let sims: CallApiSimulator[];
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    sims = await Promise.all([
      startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: [100, 200] }),
      startCallApiSimulator({ flavour: 'webhook', port: 0 }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-auth-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      API_TOKEN: TOKEN,
      CALL_API_URL: sims[0]!.url,
      DIALER_API_URL: sims[1]!.url,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await Promise.all((sims ?? []).map((s) => s.close()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * A new tab that records every URL it requests and every error it logs (`bypassCSP` lets axe
   * run in it).
   */
  async function tab(bypassCSP = false): Promise<{ page: Page; urls: string[]; errors: string[] }> {
    const page = await browser.newPage({ bypassCSP });
    const urls: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    recordPageErrors(page, errors);
    return { page, urls, errors };
  }

  const schedule = (inMs: number) =>
    fetch(`${server.url}/api/scheduled-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        phone_number: '+14155552671',
        scheduled_time: new Date(Date.now() + inMs).toISOString(),
      }),
    });

  it('ask for the token once, never claim there are no calls, then work live with it', async () => {
    expect((await schedule(60_000)).status).toBe(201);
    const { page, urls, errors } = await tab(true);
    try {
      await page.goto(`${server.url}/`);
      const form = page.locator('rk-token-form');
      await form.locator('#token').waitFor();
      // What the list says while it cannot load: the token is needed, not "no calls".
      const list = page.locator('rk-scheduler section[aria-labelledby="calls-heading"]');
      await expect
        .poll(() => list.locator('[role="alert"]').textContent())
        .toContain('needs its access token');
      expect(await list.textContent()).not.toContain('No calls scheduled yet');
      expect(await page.locator('body').textContent()).not.toContain('Authorization');
      expect(await seriousViolations(page)).toEqual([]);

      // A wrong token is refused, and the form says so.
      await form.locator('#token').fill('not-the-token');
      await form.locator('button[type="submit"]').click();
      await expect
        .poll(() => form.locator('[role="alert"]').textContent(), { timeout: 10_000 })
        .toContain('That token was refused');

      await form.locator('#token').fill(TOKEN);
      await form.locator('button[type="submit"]').click();
      await page.locator('rk-scheduler li.call').first().waitFor();
      expect(await form.isHidden()).toBe(true);
      expect(await list.locator('[role="alert"]').count()).toBe(0);

      // The event stream works with the token: a call scheduled now shows up, then ends.
      const created = (await (await schedule(300)).json()) as { id: string };
      const item = page.locator(`rk-scheduler li.call[data-id="${created.id}"]`);
      await item.waitFor();
      await expect
        .poll(() => item.getAttribute('data-status'), { timeout: 20_000 })
        .toMatch(/^(completed|busy|no-answer|failed)$/);

      // Kept for the tab: the other pages need not ask again.
      await page.goto(`${server.url}/dialer`);
      await page.locator('rk-dialer li.entry').first().waitFor();
      expect(await page.locator('rk-token-form').count()).toBe(0);
      // Sent as a header, never in an address.
      expect(urls.filter((url) => url.includes(TOKEN))).toEqual([]);
      // Only the 401s the browser logs for the requests refused before the token was given.
      expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('open /metrics from /ops for a holder of the token, and ask for it otherwise', async () => {
    const { page, urls } = await tab();
    try {
      await page.goto(`${server.url}/ops`);
      await page.locator('rk-token-form #token').waitFor();
      // Without the token, the link asks for it rather than leading to a bare 401.
      await page.getByRole('link', { name: '/metrics' }).click();
      expect(page.url()).toBe(`${server.url}/ops`);
      await page.locator('rk-token-form #token').fill(TOKEN);
      await page.locator('rk-token-form button[type="submit"]').click();
      await expect
        .poll(
          async () =>
            (await page.locator('rk-ops').evaluate((e) => e.shadowRoot!.textContent)) ?? '',
        )
        .toContain('samples');
      const [metrics] = await Promise.all([
        page.context().waitForEvent('page'),
        page.getByRole('link', { name: '/metrics' }).click(),
      ]);
      await expect
        .poll(async () => (await metrics.locator('body').textContent()) ?? '', { timeout: 10_000 })
        .toContain('ringkit_calls_placed_total');
      expect(urls.filter((url) => url.includes(TOKEN))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('take the token given once in the address, which leaves the address at once', async () => {
    const { page } = await tab();
    try {
      await page.goto(`${server.url}/dialer#token=${TOKEN}`);
      await page.locator('rk-dialer li.entry').first().waitFor();
      expect(page.url()).toBe(`${server.url}/dialer`);
      await page.goto(`${server.url}/calls/+13018040009`);
      await page.locator('rk-call-history').waitFor();
      expect(await page.locator('rk-call-history [role="alert"]').count()).toBe(0);
      expect(await page.locator('rk-token-form').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('create a campaign and download its results with the token, never in a URL', async () => {
    const { page, urls } = await tab();
    try {
      await page.goto(`${server.url}/dialer#token=${TOKEN}`);
      await page.locator('rk-campaigns form').waitFor();
      await page.fill('rk-campaigns #name', 'with-token');
      await page.fill('rk-campaigns #numbers', '+13018040009\n+19842068287');
      await page.click('rk-campaigns button[part~="create"]');
      await page
        .locator('rk-campaigns li.campaign[data-id="with-token"][data-state="done"]')
        .waitFor({ timeout: 30_000 });
      // A plain link would be refused (401): the page fetches the file with the header.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('rk-campaigns li.campaign[data-id="with-token"] a[part~="download"]'),
      ]);
      expect(download.suggestedFilename()).toBe('with-token-results.csv');
      const lines = readFileSync((await download.path())!, 'utf8')
        .trimEnd()
        .split('\r\n');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/^0,\+13018040009,completed,1,/);
      expect(urls.filter((url) => url.includes(TOKEN))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
