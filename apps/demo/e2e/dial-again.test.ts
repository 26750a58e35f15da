/**
 * "Dial again" on the dialer page in Chromium, on the built app: a finished campaign whose calls
 * were missed offers to dial them again, asks first, and the new campaign appears and runs.
 */
import type { CallApiSimulator } from '@ringkit/simulator';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserDemo, type BuiltServer, type BrowserDemo } from './_support.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377'];

describe.skipIf(!hasChromium)('dial the missed again, on the dialer page', () => {
  let demo: BrowserDemo;
  let webhook: CallApiSimulator;
  let server: BuiltServer;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    demo = await startBrowserDemo({
      name: 'again',
      // Every campaign call rings, then ends busy.
      webhook: { stepMs: [20, 40], outcomes: { busy: 1 } },
    });
    ({ server, page, pageErrors } = demo);
    webhook = demo.webhook!;
  });

  afterAll(() => demo?.close());

  it('offers the missed numbers of a finished campaign, asks first, and creates a campaign of them', async () => {
    const created = await fetch(`${server.url}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'spring', numbers: NUMBERS, concurrency: 3 }),
    });
    expect(created.status).toBe(201);
    await page.goto(`${server.url}/dialer`);
    const card = page.locator('rk-campaigns li.campaign[data-id="spring"][data-state="done"]');
    await card.waitFor({ timeout: 30_000 });
    const again = card.locator('button[part~="again"]');
    expect(await again.textContent()).toContain('Dial 3 again');

    // Asked first; kept, nothing is created.
    await again.click();
    const dialog = page.locator('rk-campaigns rk-confirm dialog[role="alertdialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe("Dial spring's numbers again?");
    expect(await dialog.locator('p').textContent()).toBe(
      'This creates a new campaign of the 3 numbers missed, with the same settings, and starts dialing it.',
    );
    await dialog.locator('button[part~="keep"]').click();
    await dialog.waitFor({ state: 'hidden' });
    const listed = async () =>
      ((await (await fetch(`${server.url}/api/campaigns`)).json()) as { items: { id: string }[] })
        .items.length;
    expect(await listed()).toBe(1);

    await again.click();
    await dialog.locator('button[part~="confirm"]').click();
    const next = page.locator('rk-campaigns li.campaign[data-id="spring-again"]');
    await next.waitFor();
    await page
      .locator('rk-campaigns li.campaign[data-id="spring-again"][data-state="done"]')
      .waitFor({ timeout: 30_000 });
    expect(webhook.calls().map((call) => call.phone)).toHaveLength(6);
    expect(await listed()).toBe(2);
    expect(pageErrors).toEqual([]);
  });
});
