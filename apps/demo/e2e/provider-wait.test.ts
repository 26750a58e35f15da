/**
 * A call made for another provider (before a switch of `CALL_PROVIDER`) waits on the scheduler's
 * page, which says for which provider and that this server never places it.
 */
import { join } from 'node:path';
import { createScheduler } from '@ringkit/scheduler-core';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { createFakeProvider } from '@ringkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserDemo, type BrowserDemo } from './_support.js';

const PHONE = '+14155552671';

describe.skipIf(!hasChromium)('a call of another provider', () => {
  let demo: BrowserDemo;

  beforeAll(async () => {
    demo = await startBrowserDemo({
      name: 'provider-wait',
      webhook: false,
      // The data dir as a server on Twilio left it: one call due in a minute.
      async prepare(dataDir) {
        const store = createSqliteStore({ path: join(dataDir, 'ringkit.db') });
        const scheduler = createScheduler({
          store,
          provider: createFakeProvider({ name: 'twilio' }),
          callerId: '+14155550100',
        });
        await scheduler.schedule({ to: PHONE, at: new Date(Date.now() + 60_000) });
        await store.close();
      },
    });
  });
  afterAll(() => demo?.close());

  it('waits, and the scheduler says for which provider; a call of its own provider does not', async () => {
    const { page, server } = demo;
    const own = await fetch(`${server.url}/api/scheduled-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        phone_number: '+13018040009',
        scheduled_time: new Date(Date.now() + 60_000).toISOString(),
      }),
    });
    expect(own.status).toBe(201);
    await page.goto(server.url);
    const wait = page.locator('rk-scheduler [part~="provider-wait"]');
    await wait.waitFor();
    expect(await wait.count()).toBe(1);
    expect(await wait.getAttribute('data-provider')).toBe('twilio');
    expect((await wait.textContent())!.replace(/\s+/g, ' ')).toMatch(
      /Waits for its provider, twilio: this server places calls through mock-call-api/,
    );
    const item = page
      .locator('rk-scheduler li.call')
      .filter({ has: page.locator('[part~="provider-wait"]') });
    expect(await item.locator('a.phone').textContent()).toBe('+1 (415) 555-2671');
    expect(demo.pageErrors).toEqual([]);
  });
});
