/**
 * The three pages end to end in Chromium on the built app, with both simulators: schedule and
 * follow calls, dial the list, read a number's history, a narrow screen, embedding, shutdown. One
 * file because the flows share one server and its state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  app,
  CHROMIUM,
  hasChromium,
  launchChromium,
  localInputIn,
  recordPageErrors,
} from './_support.js';

const screenshots = join(app, 'screenshots');
/** The README's screenshots are refreshed only on request (`pnpm screenshots`), never by a test run. */
const refreshScreenshots = process.env['RINGKIT_SCREENSHOTS'] === '1';
const screenshot = async (page: Page, name: string) => {
  if (refreshScreenshots) await page.screenshot({ path: join(screenshots, name) });
};
if (!hasChromium && process.env['CI']) {
  throw new Error(
    `${CHROMIUM} is missing: the browser test must run in CI (apt-get install chromium)`,
  );
}
if (!hasChromium) console.warn(`Skipping the browser test: ${CHROMIUM} is missing.`);

/** Starts `node dist/server.js` and resolves with its URL once it listens. */
function startBuiltServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: app,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ringkit demo listening on ([^\s"]+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

describe.skipIf(!hasChromium)('the demo in a browser', () => {
  let polling: CallApiSimulator;
  let webhook: CallApiSimulator;
  let server: { child: ChildProcess; url: string };
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];
  /** Two other sites that embed the elements: one in ALLOWED_ORIGINS, one not. */
  const sites: Server[] = [];
  const embedding = () => (_req: unknown, res: ServerResponse) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>elsewhere</title>
      <script src="${server.url}/embed.js"></script>
      <rk-dialer></rk-dialer>
      <rk-call-history api="${server.url}" phone="+19842068287"></rk-call-history>`);
  };
  const siteUrl = (site: Server) => `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  beforeAll(async () => {
    if (
      !existsSync(join(app, 'dist/server.js')) ||
      !existsSync(join(app, 'dist/public/index.html'))
    ) {
      throw new Error('The app is not built: run `pnpm --filter @ringkit/demo build` first');
    }
    if (refreshScreenshots) mkdirSync(screenshots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-e2e-'));
    // Polled every second by the scheduler: steps long enough for most of them to be seen.
    polling = await startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: [500, 800],
      seed: 7,
    });
    webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [50, 150],
      seed: 8,
    });
    for (let i = 0; i < 2; i += 1) {
      const site = createServer(embedding());
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      sites.push(site);
    }
    server = await startBuiltServer({
      ALLOWED_ORIGINS: siteUrl(sites[0]!),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_HISTORY: '1',
      LOG_LEVEL: 'warn',
      CALL_API_URL: polling.url,
      DIALER_API_URL: webhook.url,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    recordPageErrors(page, pageErrors);
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all([polling?.close(), webhook?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    for (const site of sites) await new Promise((resolve) => site.close(resolve));
  });

  it('schedules a call from the form and shows it reach completed', async () => {
    const capabilities = page.waitForResponse((r) => r.url().endsWith('/api/capabilities'));
    await page.goto(`${server.url}/`);
    // The mock provider takes only a number: the form offers no message and no detection.
    expect(await (await capabilities).json()).toEqual({
      provider: 'mock',
      provider_name: 'mock-call-api',
      call_options: [],
      limits: expect.objectContaining({ schedule_ahead_ms: 366 * 86_400_000 }),
    });
    await page.evaluate(() => document.querySelector('rk-scheduler')!.updateComplete);
    await page.evaluate(
      () =>
        document.querySelector('rk-scheduler')!.shadowRoot!.querySelector('rk-schedule-form')!
          .updateComplete,
    );
    expect(await page.locator('rk-scheduler #message, rk-scheduler #detect').count()).toBe(0);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      document.addEventListener('rk-status-change', (e) => {
        seen.push((e as CustomEvent<{ status: string }>).detail.status);
      });
    });
    // A wrong number is refused inline, before any request.
    await page.fill('rk-scheduler #phone', '12');
    await page.click('rk-scheduler button[type=submit]');
    await page.locator('rk-scheduler #phone-error').waitFor();
    expect(await page.getAttribute('rk-scheduler #phone', 'aria-invalid')).toBe('true');
    // So is a time past the server's limit, said at the field in the viewer's time.
    expect(await page.textContent('rk-scheduler #when-hint')).toContain('at most a year ahead');
    await page.fill('rk-scheduler #phone', '+1 301 804 0009');
    await page.fill('rk-scheduler #when', await localInputIn(page, 400 * 86_400_000));
    await page.click('rk-scheduler button[type=submit]');
    const whenError = page.locator('rk-scheduler #when-error');
    await whenError.waitFor();
    expect(await whenError.textContent()).toMatch(
      /^Choose a time at most a year ahead, until .+\d/,
    );
    expect(await whenError.textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(await page.getAttribute('rk-scheduler #when', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('rk-scheduler #phone', 'aria-invalid')).toBe('false');

    // Two calls for tomorrow; the second is canceled.
    for (const [n, phone] of ['+1 301 804 0009', '+1 984 206 8287'].entries()) {
      await page.fill('rk-scheduler #phone', phone);
      await page.fill('rk-scheduler #when', await localInputIn(page, 86_400_000));
      await page.click('rk-scheduler button[type=submit]');
      await page.waitForFunction(
        (count) =>
          document
            .querySelector('rk-scheduler')!
            .shadowRoot!.querySelectorAll('li.call[data-status="scheduled"]').length === count,
        n + 1,
      );
    }
    expect(await page.getAttribute('rk-scheduler #phone', 'aria-invalid')).toBe('false');
    // Each call still to come says how long until it rings.
    const countdowns = await page.locator('rk-scheduler li.call .countdown').allTextContents();
    expect(countdowns).toHaveLength(2);
    for (const text of countdowns) expect(text).toMatch(/^in (1 day|23 h( \d+ min)?)$/);
    // Beside each, the callee's local time: both numbers are in New York's zone.
    const local = await page.evaluate(() =>
      [...document.querySelector('rk-scheduler')!.shadowRoot!.querySelectorAll('li.call')].map(
        (li) => {
          const at = new Date(li.querySelector('time')!.getAttribute('datetime')!);
          const time = new Intl.DateTimeFormat(undefined, {
            timeZone: 'America/New_York',
            timeStyle: 'short',
          }).format(at);
          return [li.querySelector('.callee-time')?.textContent, `${time} in New York`];
        },
      ),
    );
    expect(local).toHaveLength(2);
    for (const [shown, expected] of local) expect(shown).toBe(expected);
    // Cancel asks first, in the page: kept, nothing changes; confirmed, the call is canceled.
    const cancel = page.locator('rk-scheduler li.call:first-child button.danger');
    const canceledId = await page
      .locator('rk-scheduler li.call:first-child')
      .getAttribute('data-id');
    await cancel.click();
    const dialog = page.locator('rk-scheduler rk-confirm dialog[role="alertdialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toMatch(
      /^Cancel the call to \+1 \(\d{3}\) \d{3}-\d{4}\?$/,
    );
    expect(await dialog.locator('p').textContent()).toMatch(
      /^This ends 1 call not yet placed, due .+\. It cannot be undone\.$/,
    );
    // The safe choice has the focus; Escape keeps the call, and the focus goes back.
    expect(
      await page.evaluate(() =>
        document
          .querySelector('rk-scheduler')!
          .shadowRoot!.querySelector('rk-confirm')!
          .shadowRoot!.activeElement?.textContent?.trim(),
      ),
    ).toBe('Keep call');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await cancel.evaluate((b) => b.matches(':focus'))).toBe(true);
    expect(await page.locator('rk-scheduler li.call[data-status="canceled"]').count()).toBe(0);
    await cancel.click();
    await dialog.locator('button[part~="confirm"]').click();
    await page
      .locator(`rk-scheduler li.call[data-id="${canceledId}"][data-status="canceled"]`)
      .waitFor();

    // A number typed without its country code is shown back as it will be called.
    await page.fill('rk-scheduler #phone', '4155552671');
    expect(await page.textContent('rk-scheduler [data-testid="phone-preview"]')).toContain(
      'Will call +1 (415) 555-2671 (read as a US or Canadian number',
    );
    await page.fill('rk-scheduler #phone', '+44 20 7946 0958');
    expect((await page.textContent('rk-scheduler [data-testid="phone-preview"]'))?.trim()).toBe(
      'Will call +44 20 7946 0958',
    );

    // With the keyboard: a number and a time 3 s from now, then Enter; it goes all the way.
    await page.evaluate(() => (window as unknown as { seen: string[] }).seen.splice(0));
    await page.fill('rk-scheduler #when', await localInputIn(page, 3_000));
    await page.fill('rk-scheduler #phone', '+1 (415) 555-2671');
    await page.press('rk-scheduler #phone', 'Enter');
    // Said at once, beside the form: which number, and when in the viewer's time.
    const confirmation = page.locator('rk-scheduler .confirmation[role="status"]');
    await expect
      .poll(() => confirmation.textContent())
      .toMatch(/^Scheduled: a call to \+1 \(415\) 555-2671 (today|on \S+) at \d{1,2}:\d{2}:\d{2}/);
    expect(await confirmation.isVisible()).toBe(true);
    await page.locator('rk-scheduler li.call[data-status="scheduled"]').nth(1).waitFor();
    await page
      .locator('rk-scheduler li.call[data-status="completed"]')
      .waitFor({ timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen[0]).toBe('queued');
    expect(seen.at(-1)).toBe('completed');
    expect(await page.textContent('rk-scheduler [data-count="completed"]')).toBe('1');
    expect(await page.textContent('rk-scheduler [data-count="scheduled"]')).toBe('1');
    expect(await page.textContent('rk-scheduler [data-count="canceled"]')).toBe('1');

    // A call that ended says no countdown; the one still to come keeps its own.
    expect(
      await page.locator('rk-scheduler li.call[data-status="completed"] .countdown').count(),
    ).toBe(0);
    expect(
      await page.locator('rk-scheduler li.call[data-status="scheduled"] .countdown').count(),
    ).toBe(1);

    // The form's card and the list's stand apart, and every row's badge lines up, with or
    // without the buttons of a call still to come.
    const layout = await page.evaluate(() => {
      const root = document.querySelector('rk-scheduler')!.shadowRoot!;
      const form = root.querySelector('rk-schedule-form')!.getBoundingClientRect();
      const list = root.querySelector('rk-schedule-form ~ .card, section.card')!;
      const badges = [...root.querySelectorAll('li.call .row > .badge')].map(
        (b) => b.getBoundingClientRect().right,
      );
      return { gap: list.getBoundingClientRect().top - form.bottom, badges };
    });
    expect(layout.gap).toBeGreaterThanOrEqual(12);
    expect(layout.badges.length).toBeGreaterThanOrEqual(2);
    expect(new Set(layout.badges.map(Math.round)).size).toBe(1);

    // Its timeline lists every step it went through.
    await page.click('rk-scheduler li.call[data-status="completed"] summary');
    const steps = await page
      .locator('rk-scheduler li.call[data-status="completed"] ol.timeline .badge')
      .allTextContents();
    expect(steps[0]).toBe('scheduled');
    expect(steps.at(-1)).toBe('completed');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'scheduler.png');
  });

  it('is usable 360 px wide', async () => {
    const narrow = await browser.newPage({ viewport: { width: 360, height: 740 } });
    try {
      for (const path of [
        '/',
        '/dialer',
        '/calls/13018040009',
        '/do-not-call',
        '/agents',
        '/ops',
      ]) {
        await narrow.goto(`${server.url}${path}`);
        await narrow
          .locator(
            'rk-scheduler h2, rk-dialer h2, rk-call-history h2, rk-do-not-call h2, rk-agents h2, rk-ops canvas',
          )
          .first()
          .waitFor();
        const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
        expect(width, path).toBeLessThanOrEqual(360);
      }
    } finally {
      await narrow.close();
    }
    // Each page on a phone, 390 px wide, for the documentation (on request only).
    if (!refreshScreenshots) return;
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      for (const [path, name] of [
        ['/', 'scheduler'],
        ['/dialer', 'dialer'],
        ['/calls/13018040009', 'history'],
        ['/do-not-call', 'do-not-call'],
        ['/ops', 'ops'],
      ] as const) {
        await phone.goto(`${server.url}${path}`);
        await phone
          .locator(
            'rk-scheduler h2, rk-dialer h2, rk-call-history h2, rk-do-not-call h2, rk-ops canvas',
          )
          .first()
          .waitFor();
        await phone.screenshot({ path: join(screenshots, `${name}-390.png`), fullPage: true });
      }
    } finally {
      await phone.close();
    }
  });

  it('dials every number from idle to completed with one click', async () => {
    await page.goto(`${server.url}/dialer`);
    const entries = page.locator('rk-dialer li.entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(9);
    expect(await page.locator('rk-dialer li.entry[data-status="idle"]').count()).toBe(9);
    const button = page.locator('rk-dialer button.primary');
    expect(await button.isEnabled()).toBe(true);
    await page.evaluate(() => {
      const moves: { index: number; status: string }[] = [];
      (window as unknown as { moves: typeof moves }).moves = moves;
      document.addEventListener('rk-dialer-status', (e) => {
        const { index, status } = (e as CustomEvent<{ index: number; status: string }>).detail;
        moves.push({ index, status });
      });
    });

    await button.click();
    await page.locator('rk-dialer button.primary[disabled]').waitFor();
    await page.waitForFunction(
      () =>
        document
          .querySelector('rk-dialer')!
          .shadowRoot!.querySelectorAll('li.entry[data-status="completed"]').length === 9,
      null,
      { timeout: 30_000 },
    );
    // Once every number was dialed, the list can run again (as a new campaign).
    await page
      .locator('rk-dialer button.primary:not([disabled])', { hasText: 'Call again' })
      .waitFor();
    expect(await page.textContent('rk-dialer [data-testid="progress-text"]')).toBe(
      '9 of 9 finished',
    );
    // The bar says the outcomes: all nine completed, in the completed colour.
    const bar = page.locator('rk-dialer [part~="progress"][role="progressbar"]');
    expect(await bar.getAttribute('aria-valuenow')).toBe('9');
    expect(
      await bar
        .locator('span')
        .evaluateAll((spans) => spans.map((s) => [s.dataset['outcome'], s.dataset['count']])),
    ).toEqual([['completed', '9']]);
    const moves = await page.evaluate(
      () => (window as unknown as { moves: { index: number; status: string }[] }).moves,
    );
    for (let index = 0; index < 9; index += 1) {
      const mine = moves.filter((m) => m.index === index).map((m) => m.status);
      expect(mine[0], `entry ${index}`).toBe('dialing');
      expect(mine.at(-1), `entry ${index}`).toBe('completed');
    }
    // In list order: each number started dialing after the one before it.
    const starts = moves.filter((m) => m.status === 'dialing').map((m) => m.index);
    expect(starts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await screenshot(page, 'dialer.png');

    // A reload shows the same state: it lives on the server.
    await page.reload();
    await page.locator('rk-dialer li.entry[data-status="completed"]').first().waitFor();
    expect(await page.locator('rk-dialer li.entry[data-status="completed"]').count()).toBe(9);
    expect(await page.locator('rk-dialer button.primary').textContent()).toContain('Call again');
  });

  it('shows the history of a number, newest first, with paging', async () => {
    // The dialer's last records are written as its calls end, a moment after the page shows it.
    await expect
      .poll(async () => {
        const res = await fetch(`${server.url}/api/calls/13018040009`);
        const { items } = (await res.json()) as { items: { type: string }[] };
        return items.slice(0, 2).map((i) => i.type);
      })
      .toEqual(['Completed Inbound', 'Completed Inbound']);
    await page.goto(`${server.url}/calls/13018040009`);
    const rows = page.locator('rk-call-history tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(20);
    // The dialer called this number twice just now: the newest rows.
    const first = await rows.nth(0).getAttribute('data-type');
    expect(first).toBe('Completed Inbound');
    expect(await rows.nth(0).locator('td.who').textContent()).toContain('+1 (415) 555-0100');
    const types = new Set(
      await page
        .locator('rk-call-history tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type'))),
    );
    expect(types.size).toBeGreaterThan(1);
    const durations = await page.locator('rk-call-history td.duration').allTextContents();
    for (const d of durations.map((s) => s.trim())) {
      expect(d).toMatch(/^(\d+:[0-5]\d|—(no duration|not ended yet)?)$/);
    }
    const times = await page
      .locator('rk-call-history time')
      .evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')!));
    expect(times).toEqual([...times].sort().reverse());
    await screenshot(page, 'history.png');

    await page.click('rk-call-history nav button:has-text("Older")');
    await page.locator('rk-call-history #page-label:has-text("Page 2")').waitFor();
    const older = await page
      .locator('rk-call-history time')
      .evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')!));
    expect(older[0]! <= times.at(-1)!).toBe(true);
  });

  it('works on a site in ALLOWED_ORIGINS through /embed.js', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${siteUrl(sites[0]!)}/`);
      await other.locator('rk-dialer li.entry[data-status="completed"]').first().waitFor();
      expect(await other.locator('rk-dialer li.entry').count()).toBe(9);
      await other.locator('rk-call-history tbody tr').first().waitFor();
    } finally {
      await other.close();
    }
  });

  it('does not let a site outside ALLOWED_ORIGINS read or drive the API', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${siteUrl(sites[1]!)}/`);
      await other.locator('rk-call-history [role="alert"]').first().waitFor();
      expect(await other.locator('rk-call-history tbody tr').count()).toBe(0);
      expect(await other.locator('rk-dialer li.entry').count()).toBe(0);
      // A script of that site that tries anyway changes nothing.
      const status = await other.evaluate(async (api) => {
        try {
          const res = await fetch(`${api}/api/scheduled-calls`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({
              phone_number: '+14155552671',
              scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
            }),
            mode: 'no-cors',
          });
          return res.type;
        } catch {
          return 'refused';
        }
      }, server.url);
      expect(['opaque', 'refused']).toContain(status);
      const listed = await fetch(`${server.url}/api/scheduled-calls?phone_number=%2B14155552671`);
      const { items } = (await listed.json()) as { items: unknown[] };
      expect(items.filter((c) => (c as { status: string }).status === 'scheduled')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('has no errors in the pages', () => {
    expect(pageErrors).toEqual([]);
  });

  it('shuts down on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
