/**
 * Accessibility in Chromium: axe-core on every page in each of its states, how the history page
 * reads each kind of row, and the keyboard order. Long because it is one check per page and state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  focused,
  hasChromium,
  launchChromium,
  seriousViolations,
  startBuiltServer,
  type BuiltServer,
} from './_support.js';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Each status a scheduled call can show, with the steps it went through. */
const CALL_PATHS: Record<string, string[]> = {
  scheduled: ['scheduled'],
  queued: ['scheduled', 'queued'],
  initiated: ['scheduled', 'queued', 'initiated'],
  ringing: ['scheduled', 'queued', 'initiated', 'ringing'],
  answered: ['scheduled', 'queued', 'initiated', 'ringing', 'answered'],
  completed: ['scheduled', 'queued', 'initiated', 'ringing', 'answered', 'completed'],
  busy: ['scheduled', 'queued', 'initiated', 'ringing', 'busy'],
  'no-answer': ['scheduled', 'queued', 'initiated', 'ringing', 'no-answer'],
  failed: ['scheduled', 'queued', 'failed'],
  canceled: ['scheduled', 'canceled'],
};

/** Calls in every status, as `GET /api/scheduled-calls` answers them. */
const scheduledCalls = () =>
  Object.entries(CALL_PATHS).map(([status, path], i) => ({
    id: `call-${i}`,
    phone_number: `+1415555${2600 + i}`,
    status,
    scheduled_time: at(status === 'scheduled' ? HOUR : -HOUR),
    created_at: at(-2 * HOUR + i * 1000),
    updated_at: at(-HOUR),
    attempt: 1,
    max_attempts: status === 'busy' ? 3 : 1,
    attempts: [],
    provider_call_id: status === 'scheduled' ? null : `p-${i}`,
    reason: status === 'failed' ? 'outcome_unknown' : null,
    recurrence: status === 'completed' ? { cron: '0 9 * * 1-5', timezone: 'UTC' } : null,
    window: null,
    metadata: null,
    message:
      status === 'completed' ? `Your order is ready. ${'It waits at the desk. '.repeat(5)}` : null,
    machine_detection: status === 'completed' || status === 'scheduled' ? 'detect' : null,
    idempotency_key: null,
    series_id: null,
    timeline: path.map((step, n) => ({
      status: step,
      at: at(-HOUR + n * 1000),
      attempt: 1,
      provider_status: null,
      reason: null,
    })),
    version: path.length,
  }));

const HISTORY_TYPES = ['Completed', 'Missed', 'In progress', 'Unknown'].flatMap((outcome) =>
  ['Outbound', 'Inbound'].map((direction) => `${outcome} ${direction}`),
);

/** The app's own number (`CALLER_ID`), as `GET /api/calls/:phone` gives it. */
const APP_NUMBER = '+14155550100';

/**
 * History rows of every type, then the rows of inbound calls: a caller from abroad who left a
 * voicemail, and calls with the app in both directions, as `GET /api/calls/:phone` answers them.
 */
const historyItems = () => [
  ...HISTORY_TYPES.map((type, i) => ({
    created_at: at(-i * 60_000),
    counterparty: `+1984206${8280 + i}`,
    counterparty_is_app: false,
    type,
    duration: type.startsWith('Completed') ? 30 + i : null,
    answered_by:
      i === 0 ? 'machine' : i === 1 ? 'fax' : type.startsWith('Completed') ? 'human' : null,
    recording_url: null,
  })),
  {
    created_at: at(-20 * 60_000),
    counterparty: '+442079460958',
    counterparty_is_app: false,
    type: 'Missed Inbound',
    duration: null,
    answered_by: null,
    // Fetched only when played: the tests never play it.
    recording_url: 'http://127.0.0.1:9/Recordings/RE0001',
  },
  {
    created_at: at(-21 * 60_000),
    counterparty: APP_NUMBER,
    counterparty_is_app: true,
    type: 'Completed Inbound',
    duration: 42,
    answered_by: 'human',
    recording_url: null,
  },
  {
    created_at: at(-22 * 60_000),
    counterparty: APP_NUMBER,
    counterparty_is_app: true,
    type: 'Missed Outbound',
    duration: null,
    answered_by: null,
    recording_url: null,
  },
];
const HISTORY_ROWS = HISTORY_TYPES.length + 3;

const DIALER_STATUSES = [
  'idle',
  'dialing',
  'queued',
  'initiated',
  'ringing',
  'answered',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

/** A dialer with an entry in every status, as `GET /api/dialer` answers it. */
const dialer = () => ({
  state: 'running',
  concurrency: 3,
  total: DIALER_STATUSES.length,
  ended: 5,
  counts: {},
  entries: DIALER_STATUSES.map((status, index) => ({
    index,
    phone: `+1301804${String(index).padStart(4, '0')}`,
    status,
    call_id: status === 'idle' ? null : `d-${index}`,
    attempts: status === 'idle' ? 0 : 1,
    started_at: null,
    ended_at: null,
    answered_at: null,
    in_doubt: status === 'failed',
    reason: status === 'failed' ? 'outcome_unknown' : null,
  })),
});

/**
 * Waits until `GET /api/campaigns/:name` says `state`; after 30 s, fails with what it says.
 */
async function untilCampaignIs(base: string, name: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${base}/api/campaigns/${name}?limit=1`);
    const body = await res.text();
    if (res.ok && (JSON.parse(body) as { state: string }).state === state) return;
    if (Date.now() > deadline) {
      throw new Error(`campaign ${name} is not ${state} after 30 s: ${res.status} ${body}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Answers the GETs of `path` with `body`; everything else reaches the server. */
async function answer(page: Page, path: RegExp, body: () => unknown): Promise<void> {
  await page.route(
    (url) => path.test(url.pathname),
    (route: Route) =>
      route.request().method() === 'GET' ? route.fulfill({ json: body() }) : route.continue(),
  );
}

/** The elements' shadow roots, searched for `selector`. */
const countIn = (page: Page, host: string, selector: string) =>
  page.evaluate(
    ([h, s]) => document.querySelector(h!)!.shadowRoot!.querySelectorAll(s!).length,
    [host, selector],
  );

describe.skipIf(!hasChromium)('accessibility of every page (axe-core)', () => {
  let server: BuiltServer;
  let browser: Browser;
  let sims: CallApiSimulator[];
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    sims = await Promise.all([
      startCallApiSimulator({
        flavour: 'polling',
        port: 0,
        stepMs: [100, 300],
        outcomes: { completed: 1, busy: 1, 'no-answer': 1, failed: 1 },
        seed: 3,
      }),
      startCallApiSimulator({
        flavour: 'webhook',
        port: 0,
        stepMs: [100, 400],
        outcomes: { completed: 1, busy: 1, 'no-answer': 1, failed: 1 },
        seed: 4,
      }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-a11y-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      DEMO_HISTORY: '1',
      CALL_API_URL: sims[0]!.url,
      DIALER_API_URL: sims[1]!.url,
    });
    browser = await launchChromium();
    // Real calls of every outcome, live on the pages while they are checked.
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < 6; i += 1) {
      await post('/api/scheduled-calls', {
        phone_number: `+1415555${2600 + i}`,
        scheduled_time: at(i < 4 ? 1_000 : HOUR),
      });
    }
    await post('/api/dialer/start', {});
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    await Promise.all((sims ?? []).map((s) => s.close()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A page that lets the test's axe script in: the page's own CSP allows only its scripts. */
  async function open<T>(use: (page: Page) => Promise<T>): Promise<T> {
    const page = await browser.newPage({ bypassCSP: true });
    try {
      return await use(page);
    } finally {
      await page.close();
    }
  }

  it.each([
    ['the scheduler', '/', 'rk-scheduler li.call'],
    ['the dialer', '/dialer', 'rk-dialer li.entry'],
    ['a call history', '/calls/+13018040009', 'rk-call-history tbody tr'],
    ['the history lookup', '/calls', '#lookup-phone'],
    ['the do-not-call list', '/do-not-call', 'rk-do-not-call h2'],
    ['the agents', '/agents', 'rk-agents h2'],
  ])('%s, live, has no serious or critical violation', async (_, path, ready) => {
    await open(async (page) => {
      await page.goto(`${server.url}${path}`);
      await page.locator(ready).first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('an unknown page answers 404 with a page of links that has none, and /campaigns opens the campaigns', async () => {
    await open(async (page) => {
      const response = await page.goto(`${server.url}/no-such-page`);
      expect(response?.status()).toBe(404);
      expect(await page.title()).toBe('Page not found · ringkit demo');
      await page.locator('h1', { hasText: 'No page here' }).waitFor();
      const links = await page
        .locator('main a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(links).toEqual(['/', '/dialer', '/calls', '/do-not-call', '/agents', '/ops']);
      expect(await seriousViolations(page)).toEqual([]);
      await page.click('main a[href="/dialer"]');
      await page.locator('rk-dialer').waitFor();

      await page.goto(`${server.url}/campaigns`);
      expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/dialer#campaigns');
      await page.locator('rk-campaigns#campaigns').waitFor();
    });
  });

  it('the scheduler has none with a call in every status, every timeline open, the call options offered, and a call being rescheduled', async () => {
    await open(async (page) => {
      await answer(page, /^\/api\/scheduled-calls$/, () => ({
        items: scheduledCalls(),
        next_cursor: null,
      }));
      // As a provider that honours them (Twilio) answers: the form offers both call options.
      await answer(page, /^\/api\/capabilities$/, () => ({
        provider: 'twilio',
        call_options: ['message', 'machine_detection'],
      }));
      await page.goto(`${server.url}/`);
      await page.locator('rk-scheduler li.call').nth(9).waitFor();
      await page.locator('rk-scheduler #message').waitFor();
      await page.locator('rk-scheduler #detect').waitFor();
      expect(await page.locator('rk-scheduler [part="message"]').count()).toBe(2);
      for (const status of Object.keys(CALL_PATHS)) {
        expect(
          await countIn(page, 'rk-scheduler', `li.call[data-status="${status}"] > * > .badge`),
        ).toBe(1);
      }
      await page.evaluate(() => {
        for (const d of document
          .querySelector('rk-scheduler')!
          .shadowRoot!.querySelectorAll('details')) {
          d.open = true;
        }
      });
      expect(await seriousViolations(page)).toEqual([]);

      await page.click('rk-scheduler button[data-reschedule]');
      await page.locator('rk-scheduler input[id^="edit-"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('the agents page has none with an agent in every state, and its form showing errors', async () => {
    await open(async (page) => {
      const states = ['available', 'ringing', 'talking', 'wrap-up', 'away'] as const;
      await answer(page, /^\/api\/agents$/, () => ({
        items: states.map((state, i) => ({
          id: `agent-${i}`,
          name: i === 0 ? null : `Agent ${i}`,
          reach: i === 1 ? 'sip:agent@example.com' : '+14155552671',
          campaigns: i === 4 ? [] : ['spring'],
          state,
          since: at(-90_000),
          until: state === 'wrap-up' ? at(8_000) : null,
          call_id: ['ringing', 'talking', 'wrap-up'].includes(state) ? `call-${i}` : null,
          campaign: ['ringing', 'talking', 'wrap-up'].includes(state) ? 'spring' : null,
          totals: { available_ms: 60_000, ringing_ms: 5_000, talking_ms: 30_000, wrap_up_ms: 0 },
          occupancy: i === 4 ? null : 0.32,
          created_at: at(-HOUR),
          updated_at: at(-90_000),
        })),
        next_cursor: null,
      }));
      await page.goto(`${server.url}/agents`);
      await page.locator('rk-agents tr[data-state="away"]').waitFor();
      for (const state of states) {
        expect(await countIn(page, 'rk-agents', `tr[data-state="${state}"] .badge`)).toBe(1);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await page.click('rk-agents button[type="submit"]');
      await page.locator('rk-agents #agent-reach-error').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('the scheduler has none while its form shows errors', async () => {
    await open(async (page) => {
      await page.goto(`${server.url}/`);
      await page.locator('rk-scheduler form').waitFor();
      await page.fill('rk-scheduler #phone', '12');
      await page.click('rk-scheduler button[type=submit]');
      await page.locator('rk-scheduler #phone-error').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('the dialer has none with an entry in every status', async () => {
    await open(async (page) => {
      await answer(page, /^\/api\/dialer$/, dialer);
      await page.goto(`${server.url}/dialer`);
      await page
        .locator('rk-dialer li.entry')
        .nth(DIALER_STATUSES.length - 1)
        .waitFor();
      for (const status of DIALER_STATUSES) {
        expect(await countIn(page, 'rk-dialer', `li.entry .badge[data-status="${status}"]`)).toBe(
          1,
        );
      }
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('the dialer page has none with campaigns in every state and its form showing an error', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // Enough numbers, one at a time, for the running one to be running still when checked.
    const numbers = Array.from(
      { length: 16 },
      (_, i) => `+1202555${String(100 + i).padStart(4, '0')}`,
    );
    for (const name of ['a11y-running', 'a11y-paused', 'a11y-stopped', 'a11y-done']) {
      const res = await post('/api/campaigns', {
        name,
        numbers: name === 'a11y-done' ? numbers.slice(0, 1) : numbers,
        concurrency: 1,
      });
      expect(res.status).toBe(201);
    }
    expect((await post('/api/campaigns/a11y-paused/pause')).status).toBe(200);
    expect((await post('/api/campaigns/a11y-stopped/stop')).status).toBe(200);
    const states = ['running', 'paused', 'stopped', 'done'];
    // The server first: the page is checked once every campaign is in its state there.
    for (const state of states) await untilCampaignIs(server.url, `a11y-${state}`, state);
    await open(async (page) => {
      await page.goto(`${server.url}/dialer`);
      for (const state of states) {
        await page
          .locator(`rk-campaigns li.campaign[data-id="a11y-${state}"][data-state="${state}"]`)
          .waitFor();
      }
      expect(await seriousViolations(page)).toEqual([]);
      await page.fill('rk-campaigns #numbers', '42');
      await page.click('rk-campaigns button[part~="create"]');
      await page.locator('rk-campaigns #numbers-error').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it("the history has none with rows of every type, a voicemail, calls with the app, a pager, a page loading, the app's own number, and an unreadable number", async () => {
    await open(async (page) => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(
        (url) => /^\/api\/calls\/[^/]+$/.test(url.pathname),
        async (route) => {
          // The older page is held back while the rows it replaces are checked.
          if (new URL(route.request().url()).searchParams.has('cursor')) await held;
          await route.fulfill({
            json: { items: historyItems(), next_cursor: 'more', app_number: APP_NUMBER },
          });
        },
      );
      await page.goto(`${server.url}/calls/+13018040009`);
      await page
        .locator('rk-call-history tbody tr')
        .nth(HISTORY_ROWS - 1)
        .waitFor();
      await page.locator('rk-call-history nav').waitFor();
      await page.locator('rk-call-history [part="voicemail"] a').waitFor();
      expect(await countIn(page, 'rk-call-history', 'tr[data-with-app]')).toBe(2);
      expect(await seriousViolations(page)).toEqual([]);

      await page.click('rk-call-history nav button:has-text("Older")');
      await page.locator('rk-call-history tbody[aria-busy="true"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      release();
      await page.locator('rk-call-history #page-label:has-text("Page 2")').waitFor();
    });
    await open(async (page) => {
      await answer(page, /^\/api\/calls\/[^/]+$/, () => ({
        items: historyItems().slice(-3, -2),
        next_cursor: null,
        app_number: APP_NUMBER,
      }));
      await page.goto(`${server.url}/calls/${APP_NUMBER}`);
      await page.locator('rk-call-history [part="own-number"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
    await open(async (page) => {
      await page.goto(`${server.url}/calls/12`);
      await page.locator('rk-call-history [role="alert"]').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });
});

describe.skipIf(!hasChromium)('the history page', () => {
  let server: BuiltServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-history-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      CALL_API_URL: 'http://127.0.0.1:9',
      DIALER_API_URL: 'http://127.0.0.1:9',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows a call in progress as in progress and an unknown outcome as unknown, never as missed', async () => {
    const page = await browser.newPage();
    try {
      await answer(page, /^\/api\/calls\/[^/]+$/, () => ({
        items: historyItems(),
        next_cursor: null,
        app_number: APP_NUMBER,
      }));
      await page.goto(`${server.url}/calls/+13018040009`);
      const rows = page.locator('rk-call-history tbody tr');
      await rows.nth(HISTORY_ROWS - 1).waitFor();
      const shown = await rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          type: tr.getAttribute('data-type'),
          outcome: tr.getAttribute('data-outcome'),
          text: tr.querySelector('td.kind')!.textContent!.replace(/\s+/g, ' ').trim(),
          duration: tr.querySelector('td.duration')!.textContent!.replace(/\s+/g, ' ').trim(),
        })),
      );
      expect(shown.map(({ type, outcome, text }) => ({ type, outcome, text }))).toEqual([
        // Marked in words where a machine or a fax answered, never by colour alone.
        { type: 'Completed Outbound', outcome: 'completed', text: '↗Completed Outbound Voicemail' },
        { type: 'Completed Inbound', outcome: 'completed', text: '↙Completed Inbound Fax' },
        { type: 'Missed Outbound', outcome: 'missed', text: '↗Missed Outbound' },
        { type: 'Missed Inbound', outcome: 'missed', text: '↙Missed Inbound' },
        { type: 'In progress Outbound', outcome: 'in-progress', text: '↗In progress Outbound' },
        { type: 'In progress Inbound', outcome: 'in-progress', text: '↙In progress Inbound' },
        { type: 'Unknown Outbound', outcome: 'unknown', text: '↗Outcome unknown Outbound' },
        { type: 'Unknown Inbound', outcome: 'unknown', text: '↙Outcome unknown Inbound' },
        // A caller from abroad, with the voicemail they left; the app, by name and number.
        {
          type: 'Missed Inbound',
          outcome: 'missed',
          text: '↙Missed Inbound Voicemail from +44 20 7946 0958',
        },
        {
          type: 'Completed Inbound',
          outcome: 'completed',
          text: '↙Completed Called by this app (+1 (415) 555-0100)',
        },
        {
          type: 'Missed Outbound',
          outcome: 'missed',
          text: '↗Missed Called this app (+1 (415) 555-0100)',
        },
      ]);
      // The caller's number set apart from its country code; the voicemail at its own address.
      const voicemail = rows.nth(HISTORY_TYPES.length);
      expect(await voicemail.locator('td.who').textContent()).toContain('+44 20 7946 0958');
      expect(await voicemail.locator('[part="voicemail"] a').getAttribute('href')).toBe(
        'http://127.0.0.1:9/Recordings/RE0001',
      );
      expect(shown[4]!.duration).toContain('not ended yet');
      expect(shown[6]!.duration).toContain('no duration');
      // The in-progress pill looks unlike the missed one.
      const look = (outcome: string) =>
        page
          .locator(`rk-call-history tr[data-outcome="${outcome}"] .outcome`)
          .first()
          .evaluate((el) => {
            const s = getComputedStyle(el);
            return `${s.color} ${s.backgroundColor} ${s.boxShadow}`;
          });
      expect(await look('in-progress')).not.toBe(await look('missed'));
      expect(await look('unknown')).not.toBe(await look('missed'));
    } finally {
      await page.close();
    }
  });

  it('reads a server that speaks only Completed and Missed, and shows a type it does not know as it came', async () => {
    const page = await browser.newPage();
    try {
      await answer(page, /^\/api\/calls\/[^/]+$/, () => ({
        items: [
          {
            created_at: at(0),
            counterparty: '+19842068287',
            type: 'Missed Inbound',
            duration: null,
          },
          {
            created_at: at(-1000),
            counterparty: '+19842068287',
            type: 'Completed Outbound',
            duration: 12,
          },
          {
            created_at: at(-2000),
            counterparty: '+19842068287',
            type: 'Voicemail Outbound',
            duration: null,
          },
        ],
        next_cursor: null,
      }));
      await page.goto(`${server.url}/calls/+13018040009`);
      const rows = page.locator('rk-call-history tbody tr');
      await rows.nth(2).waitFor();
      expect(
        await rows.evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-outcome'),
            tr.querySelector('td.kind')!.textContent!.replace(/\s+/g, ' ').trim(),
          ]),
        ),
      ).toEqual([
        ['missed', '↙Missed Inbound'],
        ['completed', '↗Completed Outbound'],
        ['unknown', '↗Voicemail Outbound'],
      ]);
    } finally {
      await page.close();
    }
  });
});

describe.skipIf(!hasChromium)('the keyboard order', () => {
  let server: BuiltServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-keys-'));
    server = await startBuiltServer({
      DATA_DIR: dataDir,
      CALL_API_URL: 'http://127.0.0.1:9',
      DIALER_API_URL: 'http://127.0.0.1:9',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** What Tab reaches, `count` times from the top, one entry per control. */
  async function tabOrder(page: Page, count: number): Promise<string[]> {
    const order: string[] = [];
    for (let i = 0; order.length < count && i < count * 4; i += 1) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      // A date-time field takes one Tab per part; it is one control.
      if (now !== order.at(-1)) order.push(now);
    }
    return order;
  }

  const NAV = [
    'a:Skip to content',
    'a:ringkit demo',
    'a:Scheduler',
    'a:Dialer',
    'a:Call history',
    'a:Do not call',
    'a:Agents',
    'a:Operations',
  ];

  it.each([
    [
      '/',
      'rk-scheduler form',
      [
        'rk-schedule-form input#phone:',
        'rk-schedule-form input#when:',
        'rk-schedule-form select#repeat:',
        'rk-schedule-form button:Schedule call',
      ],
    ],
    ['/dialer', 'rk-dialer li.entry', ['rk-dialer button:Call']],
    ['/calls', '#lookup-phone', ['input#lookup-phone:', 'button:Show calls']],
    [
      '/agents',
      'rk-agents form',
      [
        'rk-agents input#agent-id:',
        'rk-agents input#agent-name:',
        'rk-agents input#agent-reach:',
        'rk-agents input#agent-campaigns:',
        'rk-agents button:Add agent',
      ],
    ],
    // The charts take no focus: the page's one stop is the link to the metrics.
    ['/ops', 'rk-ops canvas', ['a:/metrics']],
  ])('on %s: the skip link, the navigation, then the page', async (path, ready, expected) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}${path}`);
      await page.locator(ready).first().waitFor();
      const order = await tabOrder(page, NAV.length + expected.length);
      expect(order).toEqual([...NAV, ...expected]);
    } finally {
      await page.close();
    }
  });

  it('the skip link takes the next Tab past the navigation', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      await page.locator('rk-scheduler form').waitFor();
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('a:Skip to content');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('rk-schedule-form input#phone:');
    } finally {
      await page.close();
    }
  });
});
