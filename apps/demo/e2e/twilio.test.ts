/**
 * The three pages end to end with `CALL_PROVIDER=twilio`, against the Twilio flavour of the
 * simulator: every call is placed through the Twilio client and followed by the simulator's
 * signed status callbacks, as Twilio would send them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
  type SimulatorEvent,
} from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  hasChromium,
  freePort,
  launchChromium,
  localInputIn,
  startBuiltServer,
  type BuiltServer,
  recordPageErrors,
} from './_support.js';

const CALLER = '+14155550100';
const NUMBERS = ['13018040009', '19842068287', '15512459377', '13018040009'];
const MESSAGE =
  'Your table for two at Chez Ruiz is booked for Friday at 8 pm; reply to this number to change it.';

describe.skipIf(!hasChromium)('the demo on Twilio, in a browser', () => {
  let twilio: CallApiSimulator;
  let server: BuiltServer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const simulatorEvents: SimulatorEvent[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    assertBuilt();
    twilio = await startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: [150, 400],
      outcomes: { completed: 1 },
      // Every call that asks for machine detection reaches an answering machine.
      machineRate: 1,
      callsPerSecond: 50,
      seed: 31,
      onEvent: (event) => simulatorEvents.push(event),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-twilio-'));
    const port = await freePort();
    server = await startBuiltServer({
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      DATA_DIR: dataDir,
      CALLER_ID: CALLER,
      CALL_PROVIDER: 'twilio',
      TWILIO_API_URL: twilio.url,
      TWILIO_ACCOUNT_SID: TWILIO_TEST_CREDENTIALS.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO_TEST_CREDENTIALS.authToken,
      DIALER_NUMBERS: NUMBERS.join(','),
      DIALER_CONCURRENCY: '2',
      // Nothing may reach the mock APIs: a call that tried would fail.
      CALL_API_URL: 'http://127.0.0.1:9',
      DIALER_API_URL: 'http://127.0.0.1:9',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    recordPageErrors(page, pageErrors);
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await twilio?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('schedules a call with a message on / and shows it reach completed live', async () => {
    await page.goto(`${server.url}/`);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      document.addEventListener('rk-status-change', (e) => {
        seen.push((e as CustomEvent<{ status: string }>).detail.status);
      });
    });
    await page.fill('rk-scheduler #phone', '+1 (415) 555-2671');
    await page.fill('rk-scheduler #when', await localInputIn(page, 2_000));
    // Twilio says a message and detects machines, so the form offers both.
    await page.fill('rk-scheduler #message', MESSAGE);
    await page.selectOption('rk-scheduler #detect', 'detect');
    await page.click('rk-scheduler button[type=submit]');
    await page.locator('rk-scheduler li.call').waitFor();
    const purpose = await page.textContent('rk-scheduler li.call [part="message"]');
    expect(purpose!.replace(/\s+/g, ' ').trim()).toBe(
      'Says Your table for two at Chez Ruiz is booked for Friday at 8 pm; reply to this… · detects voicemail',
    );
    expect(await page.inputValue('rk-scheduler #message')).toBe('');
    await page
      .locator('rk-scheduler li.call[data-status="completed"]')
      .waitFor({ timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // Every stage Twilio reports arrives through its signed callbacks.
    expect(seen).toEqual(expect.arrayContaining(['initiated', 'ringing', 'answered']));
    expect(seen.at(-1)).toBe('completed');
    expect(await page.textContent('rk-scheduler [data-count="completed"]')).toBe('1');

    // The call went to Twilio's simulator, to the number the form was given.
    const created = simulatorEvents.flatMap((e) => (e.type === 'created' ? [e.call] : []));
    expect(created.map((call) => [call.phone, call.from])).toEqual([['+14155552671', CALLER]]);
    // With what it says and its machine detection.
    const [call] = twilio.calls();
    expect(call?.twiml).toBe(`<Response><Say>${MESSAGE}</Say></Response>`);
    expect(call?.machineDetection).toBe('Enable');
  });

  it('dials the list on /dialer and shows every entry end', async () => {
    await page.goto(`${server.url}/dialer`);
    // Twilio speaks: the campaign form says how to give a call something to say, and quote it.
    await page.locator('rk-campaigns #numbers-hint code').first().waitFor();
    expect(await page.textContent('rk-campaigns #numbers-hint')).toContain(
      '+13018040009,"Hello, Ada ""A."" Lovelace"',
    );
    expect(await page.textContent('rk-campaigns label[for="file"]')).toContain('(phone[,say])');
    const entries = page.locator('rk-dialer li.entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(NUMBERS.length);
    await page.click('rk-dialer button.primary');
    await page.locator('rk-dialer button.primary[disabled]').waitFor();
    await page.waitForFunction(
      (total) =>
        document
          .querySelector('rk-dialer')!
          .shadowRoot!.querySelectorAll('li.entry[data-status="completed"]').length === total,
      NUMBERS.length,
      { timeout: 30_000 },
    );
    expect(await page.textContent('rk-dialer [data-testid="progress-text"]')).toBe(
      `${NUMBERS.length} of ${NUMBERS.length} finished`,
    );
  });

  it('shows the history of a number dialed twice on /calls/:phone', async () => {
    // The dialer's last records are written as its calls end, a moment after the page shows it.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${server.url}/api/calls/13018040009`);
          const { items } = (await res.json()) as { items: { type: string }[] };
          return items.map((i) => i.type);
        },
        { timeout: 15_000 },
      )
      .toEqual(['Completed Inbound', 'Completed Inbound']);
    await page.goto(`${server.url}/calls/13018040009`);
    const rows = page.locator('rk-call-history tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-type')).toBe('Completed Inbound');
    expect(await rows.nth(0).locator('td.who').textContent()).toContain('+1 (415) 555-0100');

    // From the app's own number: every call it placed, the scheduled one and the dialer's.
    await page.goto(`${server.url}/calls/${encodeURIComponent(CALLER)}`);
    await page.locator('rk-call-history tbody tr').first().waitFor();
    await expect
      .poll(() => page.locator('rk-call-history tr[data-type="Completed Outbound"]').count())
      .toBe(NUMBERS.length + 1);
    // The scheduled call, which detected machines, is marked as taken by one; no dialer call is.
    const marked = page.locator('rk-call-history [part~="answered-by"]');
    expect(await marked.count()).toBe(1);
    expect(await marked.textContent()).toBe('Voicemail');
    const row = page
      .locator('rk-call-history tbody tr')
      .filter({ has: page.locator('[part~="answered-by"]') });
    expect(await row.locator('td.who').textContent()).toContain('+1 (415) 555-2671');
  });

  it('accepted every callback the simulator sent, and the pages had no errors', () => {
    const sent = simulatorEvents.filter((e) => e.type === 'webhook_sent');
    // initiated, ringing, in-progress and completed for each call, at least.
    expect(sent.length).toBeGreaterThanOrEqual(4 * (NUMBERS.length + 1));
    expect(simulatorEvents.filter((e) => e.type === 'webhook_failed')).toEqual([]);
    expect(simulatorEvents.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
