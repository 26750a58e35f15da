import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserDemo, type BrowserDemo } from './_support.js';

/** A locator's text, its white space as one space. */
const text = async (locator: Locator) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** Waits until the roster's row of `id` shows `state`. */
const shows = (page: Page, id: string, state: string) =>
  page.locator(`rk-agents tr[data-id="${id}"][data-state="${state}"]`).waitFor({ timeout: 10_000 });

describe.skipIf(!hasChromium)('the agents page', () => {
  let demo: BrowserDemo;
  let page: Page;
  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${demo.server.url}/api/agents${path}`, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? null : JSON.stringify(init.body),
    });

  beforeAll(async () => {
    // No call is placed here: no simulator.
    demo = await startBrowserDemo({ name: 'agents', polling: false, webhook: false });
    page = demo.page;
  });

  afterAll(() => demo?.close());

  it('adds an agent through the form, logs them in, sends them away, and says a bad reach under its field', async () => {
    // The roster has a page of its own, in the navigation of every page.
    await page.goto(demo.server.url);
    await page.click('nav a[href="/agents"]');
    await page.locator('h1', { hasText: 'Agents' }).waitFor();
    await page.locator('rk-agents [data-testid="empty"]').waitFor();

    await page.getByLabel('Id', { exact: true }).fill('ada');
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Reach them at').fill('+1 415 555 2671');
    await page.getByLabel('Campaigns').fill('spring, autumn');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await shows(page, 'ada', 'away');
    const row = page.locator('rk-agents tr[data-id="ada"]');
    expect(await text(row.locator('td.who'))).toBe('Ada Lovelace ada');
    expect(await text(row.locator('td.campaigns'))).toBe('autumn, spring');
    expect(await text(row.locator('[part~="state"]'))).toBe('Away');
    expect(await text(row.locator('td.occupancy'))).toBe('Occupancy —');
    // The form is empty again, ready for the next one.
    expect(await page.getByLabel('Id', { exact: true }).inputValue()).toBe('');

    await page.getByRole('button', { name: 'Log in Ada Lovelace' }).click();
    await shows(page, 'ada', 'available');
    expect(await text(row.locator('[part~="state"]'))).toBe('Available');
    expect((await (await api('/ada')).json()).state).toBe('available');
    // Time in state counts up while the page is open; occupancy is 0 % with no call yet.
    const elapsed = row.locator('td.state time');
    const before = await text(elapsed);
    await page.waitForFunction(
      (was) =>
        document
          .querySelector('rk-agents')
          ?.shadowRoot?.querySelector('tr[data-id="ada"] td.state time')?.textContent !== was,
      before,
      { timeout: 5000 },
    );
    expect(await text(row.locator('td.occupancy'))).toBe('Occupancy 0 %');

    await page.getByRole('button', { name: 'Away: Ada Lovelace takes no calls' }).click();
    await shows(page, 'ada', 'away');
    expect((await (await api('/ada')).json()).state).toBe('away');

    // A reach the server refuses: said under the field, and no agent added.
    await page.getByLabel('Id', { exact: true }).fill('bob');
    await page.getByLabel('Reach them at').fill('nowhere');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const refusal = page.locator('rk-agents #agent-reach-error');
    await refusal.waitFor();
    expect(await text(refusal)).toMatch(/^Where to reach them: expected a phone number or a sip/);
    expect(await page.getByLabel('Reach them at').getAttribute('aria-invalid')).toBe('true');
    expect((await api('/bob')).status).toBe(404);
    // An id taken: under the id.
    await page.getByLabel('Id', { exact: true }).fill('ada');
    await page.getByLabel('Reach them at').fill('+14155552671');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.locator('rk-agents #agent-id-error', { hasText: 'exists' }).waitFor();
  });

  it('shows a change made through the API, not the page, without a reload', async () => {
    const changed = await api('/ada/state', { method: 'POST', body: { state: 'available' } });
    expect(changed.status).toBe(200);
    await shows(page, 'ada', 'available');
    const added = await api('', {
      method: 'POST',
      body: { id: 'grace', name: 'Grace Hopper', reach: 'sip:grace@example.com' },
    });
    expect(added.status).toBe(201);
    await shows(page, 'grace', 'away');
    expect(await text(page.locator('rk-agents tr[data-id="grace"] td.reach'))).toBe(
      'sip:grace@example.com',
    );
  });

  it('says a refusal of the server above the roster, not in silence', async () => {
    // As the server answers while a call rings the agent.
    await page.route(
      (url) => url.pathname === '/api/agents/ada/state',
      (route) =>
        route.fulfill({
          status: 409,
          json: {
            error: {
              code: 'agent_busy',
              message: 'Agent ada is ringing: their call decides their state',
              details: { id: 'ada', reason: 'busy', state: 'ringing' },
            },
          },
        }),
    );
    try {
      await page.getByRole('button', { name: 'Away: Ada Lovelace takes no calls' }).click();
      const notice = page.locator('rk-agents [role="alert"] .notice');
      await notice.waitFor();
      expect(await text(notice)).toBe(
        'Ada Lovelace: Agent ada is ringing: their call decides their state',
      );
    } finally {
      await page.unroute((url) => url.pathname === '/api/agents/ada/state');
    }
  });

  it('asks nothing while the page is hidden, and reads the roster again once it is shown', async () => {
    const reads: number[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/agents') reads.push(Date.now());
    });
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (value ? 'hidden' : 'visible'),
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await page.waitForTimeout(2200);
    expect(reads.length).toBeGreaterThanOrEqual(1);
    await setHidden(true);
    await page.waitForTimeout(300);
    const whileHidden = reads.length;
    await api('/grace/state', { method: 'POST', body: { state: 'available' } });
    await page.waitForTimeout(2500);
    expect(reads.length).toBe(whileHidden);
    expect(await page.locator('rk-agents tr[data-id="grace"]').getAttribute('data-state')).toBe(
      'away',
    );
    await setHidden(false);
    await shows(page, 'grace', 'available');
    expect(reads.length).toBeGreaterThan(whileHidden);
  });

  it('removes an agent after asking, and only when asked', async () => {
    const row = page.locator('rk-agents tr[data-id="grace"]');
    const dialog = page.locator('rk-agents rk-confirm dialog[role="alertdialog"]');
    await page.getByRole('button', { name: 'Remove Grace Hopper' }).click();
    await dialog.waitFor();
    expect(await text(dialog.locator('h2'))).toBe('Remove Grace Hopper?');
    await dialog.getByRole('button', { name: 'Keep them' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await row.count()).toBe(1);
    await page.getByRole('button', { name: 'Remove Grace Hopper' }).click();
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    expect((await api('/grace')).status).toBe(404);
    // Nothing broke in the page: its only console errors are the refusals it was sent.
    expect(
      demo.pageErrors.filter((e) => !/status of (400|409)/.test(e)),
      demo.pageErrors.join('\n'),
    ).toEqual([]);
  });
});
