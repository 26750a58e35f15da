/**
 * The dialer page in Chromium, on the built app, after a process was killed holding calls of a
 * campaign: the campaign's card says it waits for that process's lease, counting down, and says
 * nothing more once the lease has run out and this server has taken the calls over.
 */
import { join } from 'node:path';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import type { CallApiSimulator } from '@ringkit/simulator';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endLeases, seedHeldCampaign } from '../src/_test-campaigns.js';
import { hasChromium, startBrowserDemo, type BuiltServer, type BrowserDemo } from './_support.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377'];
const WAIT_TEXT = /^2 calls waiting for the previous worker's lease \((\d+) s\)$/;

describe.skipIf(!hasChromium)(
  'a campaign held by a killed process’s lease, on the dialer page',
  () => {
    let demo: BrowserDemo;
    let webhook: CallApiSimulator;
    let server: BuiltServer;
    let page: Page;
    let dataDir: string;
    let pageErrors: string[];

    beforeAll(async () => {
      demo = await startBrowserDemo({
        name: 'lease',
        webhook: { stepMs: [100, 200] },
        // The store as the killed process left it: two calls claimed under its lease
        // (long enough that only the test ends it), the third not dialed.
        async prepare(dir) {
          const store = createSqliteStore({ path: join(dir, 'ringkit.db') });
          await seedHeldCampaign(store, {
            name: 'held',
            numbers: NUMBERS,
            held: 2,
            leaseUntil: Date.now() + 600_000,
          });
          await store.close();
        },
      });
      ({ server, page, dataDir, pageErrors } = demo);
      webhook = demo.webhook!;
    });

    afterAll(() => demo?.close());

    it('says what the campaign waits for, counting down, until the lease runs out', async () => {
      await page.goto(`${server.url}/dialer`);
      const card = page.locator('rk-campaigns li.campaign[data-id="held"]');
      const wait = card.locator('[data-testid="lease-wait"]');
      await wait.waitFor({ timeout: 15_000 });
      const first = Number(WAIT_TEXT.exec((await wait.textContent())!.trim())?.[1]);
      expect(first).toBeGreaterThan(0);
      // It counts down on its own.
      await card
        .locator('[data-testid="lease-wait"]', {
          hasText: new RegExp(`\\((?!${first} s)\\d+ s\\)`),
        })
        .waitFor({ timeout: 10_000 });
      const later = Number(WAIT_TEXT.exec((await wait.textContent())!.trim())?.[1]);
      expect(later).toBeLessThan(first);
      expect(webhook.calls()).toEqual([]);

      // The killed process's lease runs out: this server takes the calls over, and the card
      // says nothing more of a wait.
      const store = createSqliteStore({ path: join(dataDir, 'ringkit.db') });
      try {
        await endLeases(store, 'held');
      } finally {
        await store.close();
      }
      await wait.waitFor({ state: 'detached', timeout: 20_000 });
      await card.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
      expect(
        webhook
          .calls()
          .map((c) => c.phone)
          .sort(),
      ).toEqual([...NUMBERS].sort());
      expect(pageErrors).toEqual([]);
    });
  },
);
