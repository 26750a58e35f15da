import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startCallApiSimulator,
  startFaultGateway,
  type CallApiSimulator,
  type FaultGateway,
} from '@ringkit/simulator';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  hasChromium,
  launchChromium,
  startBuiltServer,
  type BuiltServer,
} from './_support.js';

const DIALED = '+13018040009';
const SCHEDULED = '+19842068287';
const CALLER = '+14155550100';

describe.skipIf(!hasChromium)('the history page, with calls that have not ended', () => {
  let polling: CallApiSimulator;
  let webhook: CallApiSimulator;
  let gateway: FaultGateway;
  let server: BuiltServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    polling = await startCallApiSimulator({ flavour: 'polling', port: 0, seed: 21 });
    // The dialer's call rings for longer than the test lasts.
    webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [120_000, 120_000],
      seed: 22,
    });
    // The scheduler's call gets a 504: the provider may be dialing, nobody knows.
    gateway = await startFaultGateway({ target: polling.url, fault: { status: 504, afterMs: 50 } });
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-history-live-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      CALLER_ID: CALLER,
      CALL_API_URL: gateway.url,
      DIALER_API_URL: webhook.url,
      DIALER_NUMBERS: DIALED,
      DIALER_CONCURRENCY: '1',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await Promise.all([gateway?.close(), polling?.close(), webhook?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows a call still ringing as in progress and a 504 placement as outcome unknown, never as missed', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/api/dialer/start', {})).status).toBe(202);
    expect(
      (
        await post('/api/scheduled-calls', {
          phone_number: SCHEDULED,
          scheduled_time: new Date(Date.now() + 500).toISOString(),
        })
      ).status,
    ).toBe(201);

    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/calls/${encodeURIComponent(CALLER)}`);
      // Both rows arrive live, through the `history` event.
      const row = (outcome: string, who: string) =>
        page.locator(`rk-call-history tr[data-outcome="${outcome}"]:has(a[href$="${who}"])`);
      await row('in-progress', encodeURIComponent(DIALED)).waitFor({ timeout: 20_000 });
      await row('unknown', encodeURIComponent(SCHEDULED)).waitFor({ timeout: 20_000 });
      const kinds = await page
        .locator('rk-call-history td.kind')
        .evaluateAll((tds) => tds.map((td) => td.textContent!.replace(/\s+/g, ' ').trim()));
      expect(kinds.sort()).toEqual(['↗In progress Outbound', '↗Outcome unknown Outbound']);
      expect(await page.locator('rk-call-history tr[data-outcome="missed"]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
