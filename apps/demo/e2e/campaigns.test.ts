/**
 * The campaigns on the dialer page in Chromium, on the built app and both simulators: create
 * one from pasted numbers and follow it live, pause and resume it, create one from a CSV file,
 * each refusal under the field it is about, download a campaign's results, and open the log of
 * its calls.
 */
import { readFileSync } from 'node:fs';
import type { CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserDemo, type BuiltServer, type BrowserDemo } from './_support.js';
import type { CampaignJson } from '../src/serialize.js';

const PASTED = ['+13018040009', '+19842068287', '+15512459377', '+14155552671'];

/** A campaign's figure (`dialed`, `live`, `completed`…) as the page shows it. */
const figure = (page: Page, id: string, name: string) =>
  page
    .locator(`rk-campaigns li.campaign[data-id="${id}"] [data-figure="${name}"] dd`)
    .textContent()
    .then(Number);

/** The ids of the campaign form's fields marked invalid. */
const invalid = (page: Page) =>
  page
    .locator('rk-campaigns form [aria-invalid="true"]')
    .evaluateAll((fields) => fields.map((f) => f.id));

async function waitForFigure(page: Page, id: string, name: string, value: number) {
  await page
    .locator(`rk-campaigns li.campaign[data-id="${id}"] [data-figure="${name}"] dd`, {
      hasText: new RegExp(`^${value}$`),
    })
    .waitFor({ timeout: 30_000 });
}

describe.skipIf(!hasChromium)('campaigns on the dialer page', () => {
  let demo: BrowserDemo;
  let webhook: CallApiSimulator;
  let server: BuiltServer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    demo = await startBrowserDemo({
      name: 'campaigns',
      // Calls ring long enough to be seen live and paused.
      webhook: { stepMs: [300, 500] },
      page: { acceptDownloads: true },
    });
    ({ server, browser, page, pageErrors } = demo);
    webhook = demo.webhook!;
  });
  afterAll(() => demo?.close());

  it('creates a campaign from pasted numbers and follows it live through a pause', async () => {
    await page.goto(`${server.url}/dialer`);
    await page.locator('rk-campaigns [data-testid="empty"]').waitFor();
    await page.fill('rk-campaigns #name', 'pasted');
    await page.fill('rk-campaigns #concurrency', '1');
    await page.fill('rk-campaigns #numbers', PASTED.join('\n'));
    await page.click('rk-campaigns button[part~="create"]');
    const item = page.locator('rk-campaigns li.campaign[data-id="pasted"]');
    await item.waitFor();
    expect(await page.inputValue('rk-campaigns #numbers')).toBe('');
    expect(await item.locator('[data-testid="times"]').textContent()).toMatch(/^Started .+; /);

    // Live, with no reload: the first call rings.
    await waitForFigure(page, 'pasted', 'live', 1);
    expect(await figure(page, 'pasted', 'dialed')).toBeGreaterThanOrEqual(1);
    await page.click('rk-campaigns button[aria-label="Pause pasted"]');
    await page.locator('rk-campaigns li.campaign[data-id="pasted"][data-state="paused"]').waitFor();
    // The call in flight ends (one claimed just before the pause may still be placed); a
    // running campaign would dial the next number at that very moment, so none is live then.
    await waitForFigure(page, 'pasted', 'live', 0);
    const held = (await (await fetch(`${server.url}/api/campaigns/pasted`)).json()) as {
      state: string;
      progress: { dialed: number; live: number };
    };
    expect(held.state).toBe('paused');
    expect(held.progress.live).toBe(0);
    expect(held.progress.dialed).toBeLessThan(PASTED.length);
    expect(webhook.calls()).toHaveLength(held.progress.dialed);
    expect(await figure(page, 'pasted', 'dialed')).toBe(held.progress.dialed);

    await page.click('rk-campaigns button[aria-label="Resume pasted"]');
    await page
      .locator('rk-campaigns li.campaign[data-id="pasted"][data-state="done"]')
      .waitFor({ timeout: 30_000 });
    expect(await figure(page, 'pasted', 'completed')).toBe(4);
    expect(await item.locator('[data-testid="ended"]').textContent()).toBe('4 of 4 ended');
    expect(webhook.calls().map((c) => c.phone)).toEqual(PASTED);
  });

  it('asks before a stop, saying how many calls it ends; shows the entries, paged and filtered; archives it', async () => {
    const numbers = Array.from(
      { length: 60 },
      (_, i) => `+1202555${String(100 + i).padStart(4, '0')}`,
    );
    await page.fill('rk-campaigns #name', 'long');
    await page.fill('rk-campaigns #concurrency', '1');
    await page.fill('rk-campaigns #numbers', numbers.join('\n'));
    await page.click('rk-campaigns button[part~="create"]');
    const card = page.locator('rk-campaigns li.campaign[data-id="long"]');
    await card.waitFor();
    await page.click('rk-campaigns button[aria-label="Pause long"]');
    await page.locator('rk-campaigns li.campaign[data-id="long"][data-state="paused"]').waitFor();
    await waitForFigure(page, 'long', 'live', 0);
    const left = 60 - (await figure(page, 'long', 'dialed'));
    expect(left).toBeGreaterThan(50);

    // Stop asks in the page, with the count; kept, the campaign stays as it was.
    await page.click('rk-campaigns button[aria-label="Stop long"]');
    const dialog = page.locator('rk-campaigns rk-confirm dialog[role="alertdialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Stop campaign long?');
    expect(await dialog.locator('p').textContent()).toBe(
      `This ends ${left} calls not yet placed; it cannot be undone.`,
    );
    await dialog.locator('button[part~="keep"]').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await card.getAttribute('data-state')).toBe('paused');
    await page.click('rk-campaigns button[aria-label="Stop long"]');
    await dialog.locator('button[part~="confirm"]').click();
    await page.locator('rk-campaigns li.campaign[data-id="long"][data-state="stopped"]').waitFor();
    await waitForFigure(page, 'long', 'canceled', left);
    expect(await card.locator('[data-testid="times"]').textContent()).toMatch(
      /^Started .+; stopped .+/,
    );
    // The bar shows each outcome in its colour, sized by its count: none of it as completed
    // that was not.
    const segments = await card
      .locator('[part~="progress"] span[data-outcome]')
      .evaluateAll((spans) =>
        spans.map((s) => ({
          outcome: s.dataset['outcome'],
          count: Number(s.dataset['count']),
          width: s.getBoundingClientRect().width,
          colour: getComputedStyle(s).backgroundColor,
        })),
      );
    const completed = segments.find((s) => s.outcome === 'completed')!;
    const canceled = segments.find((s) => s.outcome === 'canceled')!;
    expect(completed.count + canceled.count).toBe(60);
    expect(canceled.count).toBe(left);
    expect(completed.colour).not.toBe(canceled.colour);
    expect(completed.width / canceled.width).toBeCloseTo(completed.count / canceled.count, 0);

    // Its entries, 50 at a time, then filtered by status.
    await card.locator('button[part~="entries"]').click();
    const entries = card.locator('rk-campaign-entries li[part~="entry"]');
    await entries.nth(49).waitFor();
    expect(await entries.count()).toBe(50);
    expect(await entries.first().locator('a').textContent()).toBe('+1 (202) 555-0100');
    await card.locator('rk-campaign-entries button[part~="more"]').click();
    await entries.nth(59).waitFor();
    expect(await card.locator('rk-campaign-entries button[part~="more"]').count()).toBe(0);
    await card.locator('rk-campaign-entries select').selectOption('completed');
    await expect.poll(() => entries.count()).toBe(60 - left);
    expect(
      await entries.evaluateAll((items) => items.map((li) => li.getAttribute('data-status'))),
    ).toEqual(Array.from({ length: 60 - left }, () => 'completed'));
    await card.locator('rk-campaign-entries select').selectOption('busy');
    await card.locator('rk-campaign-entries [data-testid="no-entries"]').waitFor();

    // Every entry has ended: archived, it leaves the list, and comes back on demand.
    await page.click('rk-campaigns button[aria-label="Archive long"]');
    await card.waitFor({ state: 'detached' });
    // The checkbox is a small box on its label's line, not a field-wide box above it.
    const box = await page.locator('rk-campaigns input[data-show-archived]').boundingBox();
    const label = await page.locator('rk-campaigns label.archived').boundingBox();
    expect(box!.width).toBeLessThan(32);
    expect(box!.height).toBeLessThan(32);
    expect(label!.height).toBeLessThan(56);
    expect(box!.y + box!.height / 2).toBeGreaterThan(label!.y);
    expect(box!.y + box!.height / 2).toBeLessThan(label!.y + label!.height);
    await page.check('rk-campaigns input[data-show-archived]');
    await card.locator('[data-archived]').waitFor();
    await page.uncheck('rk-campaigns input[data-show-archived]');
    await card.waitFor({ state: 'detached' });
  });

  it('creates a campaign from a CSV file', async () => {
    await page.fill('rk-campaigns #name', 'uploaded');
    await page.setInputFiles('rk-campaigns #file', {
      name: 'numbers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('phone\r\n"+1 (202) 555-0123"\r\n12125550101\r\n'),
    });
    await page.click('rk-campaigns button[part~="create"]');
    await page
      .locator('rk-campaigns li.campaign[data-id="uploaded"][data-state="done"]')
      .waitFor({ timeout: 30_000 });
    expect(await figure(page, 'uploaded', 'completed')).toBe(2);
    // Newest first.
    const ids = await page
      .locator('rk-campaigns li.campaign')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
    expect(ids).toEqual(['uploaded', 'pasted']);
    expect(
      webhook
        .calls()
        .slice(-2)
        .map((c) => c.phone),
    ).toEqual(['+12025550123', '+12125550101']);
  });

  it("shows the server's refusal of a list with invalid numbers under the list", async () => {
    await page.fill('rk-campaigns #name', 'broken');
    await page.fill('rk-campaigns #numbers', '+13018040009\n42');
    await page.click('rk-campaigns button[part~="create"]');
    const error = page.locator('rk-campaigns #numbers-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('row 2 ("42")');
    expect(await invalid(page)).toEqual(['numbers']);
    expect(await page.locator('rk-campaigns li.campaign[data-id="broken"]').count()).toBe(0);
  });

  it('says its rules and limits at the form, and each refusal under its field, in words', async () => {
    const hint = async (id: string) =>
      (await page.textContent(`rk-campaigns #${id}-hint`))!.replace(/\s+/g, ' ');
    // The name's rule, the server's limits, and no say column: the mock provider cannot speak.
    expect(await hint('name')).toContain('no spaces');
    expect(await hint('numbers')).toMatch(/At most 10,000 numbers and 1 MiB\./);
    expect(await hint('numbers')).not.toMatch(/say|comma/);
    expect(await page.textContent('rk-campaigns label[for="file"]')).toContain('(phone)');

    // A name with a space is refused under Name before anything is sent, with one that would do.
    const posts: string[] = [];
    const count = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST') posts.push(request.url());
    };
    page.on('request', count);
    await page.fill('rk-campaigns #name', 'Newcomer test');
    await page.fill('rk-campaigns #numbers', '+13018040009');
    await page.click('rk-campaigns button[part~="create"]');
    const nameError = page.locator('rk-campaigns #name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toMatch(/^The name must be .*e\.g\. "Newcomer-test"\.$/);
    expect(await invalid(page)).toEqual(['name']);
    expect(await page.getAttribute('rk-campaigns #name', 'aria-describedby')).toBe(
      'name-hint name-error',
    );
    expect(posts).toEqual([]);
    page.off('request', count);

    // The server's own refusals, each under its field: Calls at once, then the list's say column.
    await page.fill('rk-campaigns #name', 'Newcomer-test');
    await page.fill('rk-campaigns #concurrency', '0');
    await page.click('rk-campaigns button[part~="create"]');
    const concurrency = page.locator('rk-campaigns #concurrency-error');
    await concurrency.waitFor();
    expect(await concurrency.textContent()).toBe('Calls at once must be at least 1.');
    expect(await invalid(page)).toEqual(['concurrency']);

    await page.fill('rk-campaigns #concurrency', '1');
    await page.fill('rk-campaigns #numbers', '+13018040009\n+19842068287,"Hello, Ada"');
    await page.click('rk-campaigns button[part~="create"]');
    const list = page.locator('rk-campaigns #numbers-error');
    await list.waitFor();
    expect(await list.textContent()).toMatch(/^Line 2 has something to say \(phone,say\)/);
    expect(await list.textContent()).not.toContain('/api/');
    expect(await invalid(page)).toEqual(['numbers']);
    expect(await page.locator('rk-campaigns #form-error').count()).toBe(0);
    expect(await page.locator('rk-campaigns li.campaign[data-id="Newcomer-test"]').count()).toBe(0);
    await page.fill('rk-campaigns #name', '');
    await page.fill('rk-campaigns #numbers', '');
  });

  it("downloads a campaign's results as CSV", async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('rk-campaigns li.campaign[data-id="pasted"] a[part~="download"]'),
    ]);
    expect(download.suggestedFilename()).toBe('pasted-results.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'index,phone,status,attempts,call_id,started_at,ended_at,answered_by,error',
    );
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 4))).toEqual(
      PASTED.map((phone, i) => [String(i), phone, 'completed', '1']),
    );
    expect(pageErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it("opens the log of a campaign's calls from its card, and filters the log by a campaign's name", async () => {
    await page.goto(`${server.url}/dialer`);
    const link = page.locator('rk-campaigns li.campaign[data-id="pasted"] a[part~="calls"]');
    expect(await link.getAttribute('href')).toBe('/calls?campaign=pasted');
    await link.click();
    await page.waitForURL('**/calls?campaign=pasted');
    expect(await page.locator('rk-call-log #log-campaign').inputValue()).toBe('pasted');
    const rows = page.locator('rk-call-log tr[part~="row"]');
    const shown = () =>
      rows.evaluateAll((trs) =>
        trs.map(
          (tr) =>
            [tr.children[3]!.textContent!.trim(), tr.children[6]!.textContent!.trim()] as const,
        ),
      );
    await expect.poll(async () => (await shown()).length).toBe(PASTED.length);
    expect((await shown()).every(([, campaign]) => campaign === 'pasted')).toBe(true);
    expect(new Set((await shown()).map(([to]) => to.replace(/\D/g, '')))).toEqual(
      new Set(PASTED.map((phone) => phone.replace(/\D/g, ''))),
    );
    expect(await page.locator('rk-call-log a[part~="download"]').getAttribute('href')).toMatch(
      /\/api\/calls\.csv\?campaign=pasted$/,
    );

    await page.fill('rk-call-log #log-campaign', 'no-such-campaign');
    await page.click('rk-call-log button[part~="apply"]');
    await page.locator('rk-call-log [part~="empty"]').waitFor();
    expect(await page.locator('rk-call-log [part~="empty"]').textContent()).toContain(
      'No call matches these filters.',
    );
    await page.fill('rk-call-log #log-campaign', 'not a name!');
    await page.click('rk-call-log button[part~="apply"]');
    await page.locator('rk-call-log #log-campaign-error').waitFor();
    expect(await page.locator('rk-call-log #log-campaign').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await page.goto(`${server.url}/dialer`);
  });

  it('never shows a campaign that is done or stopped as running again, whatever a late event says', async () => {
    const view = (id: string, state: CampaignJson['state'], ended: number): CampaignJson => ({
      id,
      state,
      concurrency: 1,
      total: 2,
      progress: {
        dialed: 2,
        live: 2 - ended,
        completed: ended,
        missed: 0,
        unknown: 0,
        canceled: 0,
        suppressed: 0,
      },
      calls_per_second: null,
      weight: null,
      max_attempts: 1,
      retry: null,
      attempts_by_outcome: { completed: ended },
      call_timeout_ms: 14_400_000,
      window: null,
      mode: 'power',
      ratio: null,
      agents: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      archived_at: null,
      lease_wait: null,
    });
    const late = await browser.newPage();
    try {
      await late.route(
        (url) => url.pathname === '/api/campaigns',
        (route) =>
          route.fulfill({
            json: {
              items: [view('done-one', 'done', 2), view('stopped-one', 'stopped', 1)],
              next_cursor: null,
            },
          }),
      );
      // The stream tells of both as running (older news), then of a third campaign.
      const events = [
        view('done-one', 'running', 1),
        view('stopped-one', 'running', 1),
        view('third', 'running', 0),
      ]
        .map((c) => `event: campaign\ndata: ${JSON.stringify(c)}\n\n`)
        .join('');
      await late.route(
        (url) => url.pathname === '/api/events',
        (route) =>
          route.fulfill({
            headers: { 'content-type': 'text/event-stream' },
            body: `retry: 600000\n\n${events}`,
          }),
      );
      await late.goto(`${server.url}/dialer`);
      await late.locator('rk-campaigns li.campaign[data-id="third"]').waitFor();
      expect(
        await late
          .locator('rk-campaigns li.campaign[data-id="done-one"]')
          .getAttribute('data-state'),
      ).toBe('done');
      expect(
        await late
          .locator('rk-campaigns li.campaign[data-id="stopped-one"]')
          .getAttribute('data-state'),
      ).toBe('stopped');
    } finally {
      await late.close();
    }
  });

  it("keeps the Stop dialog's count live while it is open", async () => {
    await page.goto(`${server.url}/dialer`);
    await page.fill('rk-campaigns #name', 'live-count');
    await page.fill('rk-campaigns #concurrency', '1');
    await page.fill('rk-campaigns #numbers', PASTED.join('\n'));
    await page.click('rk-campaigns button[part~="create"]');
    await waitForFigure(page, 'live-count', 'live', 1);
    await page.click('rk-campaigns button[aria-label="Stop live-count"]');
    const dialog = page.locator('rk-campaigns rk-confirm dialog');
    const message = dialog.locator('#confirm-message');
    await dialog.waitFor();
    const asked = await message.textContent();
    expect(asked).toMatch(/not yet placed/);
    // The next number is dialed while the dialog is open: it says so, and stays open.
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).not.toBe(asked);
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
    await dialog.locator('button[part~="confirm"]').click();
    await page
      .locator('rk-campaigns li.campaign[data-id="live-count"][data-state="stopped"]')
      .waitFor();
  });
});
