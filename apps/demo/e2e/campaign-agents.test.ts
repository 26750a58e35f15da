import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  focused,
  hasChromium,
  seriousViolations,
  startBrowserDemo,
  type BrowserDemo,
} from './_support.js';

/** A locator's text, its white space as one space. */
const text = async (locator: Locator) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377'];

describe.skipIf(!hasChromium)('a campaign with agents on the dialer page', () => {
  let demo: BrowserDemo;
  let page: Page;

  beforeAll(async () => {
    // Everybody answers; an agent answers at once and talks 0.3 s.
    demo = await startBrowserDemo({
      name: 'campaign-agents',
      polling: false,
      // axe's script runs in the page.
      page: { bypassCSP: true },
      webhook: {
        stepMs: [5, 20],
        seed: 5,
        humanRate: 1,
        agentAnswerMs: 10,
        talkMeanMs: 300,
        talkSigma: 0,
        talkMs: 3000,
      },
    });
    page = demo.page;
    const post = (path: string, body: unknown) =>
      fetch(`${demo.server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/api/agents', { id: 'ada', reach: '+14155552671', campaigns: ['with-agents'] }))
        .status,
    ).toBe(201);
    await post('/api/agents/ada/state', { state: 'available' });
  });

  afterAll(() => demo?.close());

  it('creates a progressive campaign through the form, says a missing seller name under its field, and shows its abandon rate and occupancy', async () => {
    await page.goto(`${demo.server.url}/dialer`);
    await page.locator('rk-campaigns form').waitFor();
    // The agents' fields show only with an agent mode.
    expect(await page.locator('rk-campaigns #seller_name').count()).toBe(0);
    await page.selectOption('rk-campaigns #mode', 'progressive');
    await page.locator('rk-campaigns #seller_name').waitFor();
    expect(await page.locator('rk-campaigns #seller_name').getAttribute('aria-required')).toBe(
      'true',
    );

    await page.fill('rk-campaigns #name', 'with-agents');
    await page.fill('rk-campaigns #numbers', NUMBERS.join('\n'));
    await page.fill('rk-campaigns #callback_number', '(415) 555-0100');
    await page.click('rk-campaigns button[part~="create"]');
    const refusal = page.locator('rk-campaigns #seller_name-error');
    await refusal.waitFor();
    expect(await text(refusal)).toBe('The seller name is required.');
    expect(await page.locator('rk-campaigns #seller_name').getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(await focused(page)).toBe('rk-campaigns input#seller_name:');
    expect((await fetch(`${demo.server.url}/api/campaigns/with-agents`)).status).toBe(404);

    await page.fill('rk-campaigns #seller_name', 'Acme Windows');
    await page.click('rk-campaigns button[part~="create"]');
    const card = page.locator('rk-campaigns li.campaign[data-id="with-agents"]');
    await card.waitFor();
    // The form is ready for the next one, back to power.
    expect(await page.locator('rk-campaigns #mode').inputValue()).toBe('power');
    expect(await page.locator('rk-campaigns #seller_name').count()).toBe(0);
    expect(await text(card.locator('.badge[data-mode]'))).toBe('progressive');
    const created = await (await fetch(`${demo.server.url}/api/campaigns/with-agents`)).json();
    expect(created).toMatchObject({
      mode: 'progressive',
      agents: { seller_name: 'Acme Windows', callback_number: '+14155550100' },
    });

    // The first person answered and reached Ada (who then wraps up for 10 s): the rate panel
    // says so, read again as it moves.
    const standing = card.locator('rk-campaign-agents');
    await expect
      .poll(() => text(standing.locator('[data-figure="abandoned"] dd')), { timeout: 15_000 })
      .toMatch(/^0 of [1-3] (person|people) who answered in 30 days$/);
    expect(await text(standing.locator('[part~="rate"]'))).toBe('0 % (cap 3 %)');
    expect(await text(standing.locator('[part~="occupancy"]'))).toMatch(
      /^\d+(\.\d)? % \(1 of 1 agents logged in\)$/,
    );
    // The chart, an image named by its text equivalent.
    const chart = standing.locator('svg[role="img"]');
    const caption = standing.locator(`#${await chart.getAttribute('aria-labelledby')}`);
    expect(await text(caption)).toMatch(
      /Over the last \d+ s: abandon rate .*\(cap 3 %\); occupancy /,
    );
    expect(await standing.locator('path.rate').getAttribute('d')).toMatch(/^M/);
    expect(await card.locator('a[part~="compliance"]').getAttribute('href')).toMatch(
      /\/api\/campaigns\/with-agents\/compliance\.csv$/,
    );

    expect(await seriousViolations(page)).toEqual([]);
    expect(demo.pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
