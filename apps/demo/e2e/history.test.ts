import {
  startCallApiSimulator,
  startFaultGateway,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
  type FaultGateway,
} from '@ringkit/simulator';
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasChromium,
  recordPageErrors,
  startBrowserDemo,
  freePort,
  type BuiltServer,
  type BrowserDemo,
} from './_support.js';

const DIALED = '+13018040009';
const SCHEDULED = '+19842068287';
const CALLER = '+14155550100';

describe.skipIf(!hasChromium)('the history page, with calls that have not ended', () => {
  let demo: BrowserDemo;
  let gateway: FaultGateway;
  let server: BuiltServer;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startBrowserDemo({
      name: 'history-live',
      polling: { seed: 21 },
      // The dialer's call rings for longer than the test lasts.
      webhook: { stepMs: [120_000, 120_000], seed: 22 },
      async env({ polling, webhook }) {
        // The scheduler's call gets a 504: the provider may be dialing, nobody knows.
        gateway = await startFaultGateway({
          target: polling!.url,
          fault: { status: 504, afterMs: 50 },
        });
        return {
          CALLER_ID: CALLER,
          CALL_API_URL: gateway.url,
          DIALER_API_URL: webhook!.url,
          DIALER_NUMBERS: DIALED,
          DIALER_CONCURRENCY: '1',
        };
      },
    });
    ({ server, browser } = demo);
  });

  afterAll(async () => {
    await demo?.close();
    await gateway?.close();
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

/** The app's own number (`CALLER_ID`), and a caller from abroad ringing it. */
const APP = '+14155550100';
const ABROAD = '+442079460958';

/** `GET /api/calls/:phone`, as these tests read it. */
interface HistoryAnswer {
  app_number?: string;
  items: Record<string, unknown>[];
}

/** A row of the history whose counterparty is `phone`, by its link. */
const rowOf = (phone: string) =>
  `rk-call-history tr:has(a[href$="/calls/${encodeURIComponent(phone)}"])`;

describe.skipIf(!hasChromium)(
  "the history of the app's own number, live (its API and stream mocked)",
  () => {
    let demo: BrowserDemo;
    let server: BuiltServer;
    let browser: Browser;

    beforeAll(async () => {
      // Its API and stream are mocked: no simulator.
      demo = await startBrowserDemo({ name: 'history-inbound', polling: false, webhook: false });
      ({ server, browser } = demo);
    });

    afterAll(() => demo?.close());

    it('says whose number it is, keeps an older page as it is when a call comes in, and shows the caller on the newest page', async () => {
      const older = {
        created_at: new Date(Date.now() - 3_600_000).toISOString(),
        counterparty: '+13018040009',
        counterparty_is_app: false,
        type: 'Completed Outbound',
        duration: 12,
        answered_by: 'human',
        recording_url: null,
      };
      const newest = [
        { ...older, created_at: new Date(Date.now() - 60_000).toISOString() },
      ] as Record<string, unknown>[];
      const page = await browser.newPage();
      const errors: string[] = [];
      recordPageErrors(page, errors);
      try {
        await page.route(
          (url) => /^\/api\/calls\/[^/]+$/.test(url.pathname),
          (route: Route) => {
            const cursor = new URL(route.request().url()).searchParams.get('cursor');
            return route.fulfill({
              json: cursor
                ? { items: [older], next_cursor: null, app_number: APP }
                : { items: newest, next_cursor: 'older', app_number: APP },
            });
          },
        );
        // The stream answers once the test says: with the `history` event the hub publishes.
        let sendEvent: () => void = () => undefined;
        const eventSent = new Promise<void>((resolve) => (sendEvent = resolve));
        await page.route(
          (url) => url.pathname === '/api/events',
          async (route: Route) => {
            await eventSent;
            await route.fulfill({
              headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
              body: `retry: 600000\nid: 41\nevent: history\ndata: ${JSON.stringify({ phones: [APP, ABROAD] })}\n\n`,
            });
          },
        );

        await page.goto(`${server.url}/calls/${encodeURIComponent(APP)}`);
        const heading = page.locator('rk-call-history h2');
        await page.locator('rk-call-history [part="own-number"]').waitFor();
        expect((await heading.textContent())!.replace(/\s+/g, ' ').trim()).toBe(
          "Calls of +1 (415) 555-0100, This app's own number",
        );
        await page.click('rk-call-history nav button:has-text("Older")');
        await page.locator('rk-call-history #page-label:has-text("Page 2")').waitFor();

        // A caller from abroad rings the app and leaves a voicemail.
        newest.unshift({
          created_at: new Date().toISOString(),
          counterparty: ABROAD,
          counterparty_is_app: false,
          type: 'Missed Inbound',
          duration: null,
          answered_by: null,
          recording_url: 'http://127.0.0.1:9/Recordings/RE0042',
        });
        sendEvent();
        // The older page stays (its rows and its place), and offers the newest.
        await page.locator('rk-call-history [part="newer"]').waitFor();
        expect(await page.locator('rk-call-history #page-label').textContent()).toBe('Page 2');
        expect(await page.locator('rk-call-history tbody tr').count()).toBe(1);

        await page.click('rk-call-history [part="newer"] button');
        const row = page.locator(rowOf(ABROAD));
        await row.waitFor();
        expect(await page.locator('rk-call-history #page-label').textContent()).toBe('Page 1');
        expect(await page.locator('rk-call-history [part="newer"]').count()).toBe(0);
        expect(
          await page.locator('rk-call-history tbody tr').first().getAttribute('data-type'),
        ).toBe('Missed Inbound');
        expect((await row.locator('td.who').textContent())!.trim()).toBe('+44 20 7946 0958');
        // A recording elsewhere is a link: the page's CSP would block a player.
        expect(await row.locator('[part="voicemail"] a').getAttribute('href')).toBe(
          'http://127.0.0.1:9/Recordings/RE0042',
        );
        expect(await row.locator('audio').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  },
);

describe.skipIf(!hasChromium)(
  "the history of the app's own number, live, on Twilio's simulator",
  () => {
    let demo: BrowserDemo;
    let twilio: CallApiSimulator;
    let browser: Browser;
    let publicUrl: string;

    beforeAll(async () => {
      demo = await startBrowserDemo({
        name: 'history-twilio',
        polling: false,
        webhook: false,
        async env() {
          twilio = await startCallApiSimulator({
            flavour: 'twilio',
            port: 0,
            stepMs: [100, 200],
            seed: 43,
            // The caller waits for the app's greeting, and leaves a message.
            inbound: { hangUpWhileRingingRate: 0, voicemailRate: 1 },
          });
          const port = await freePort();
          publicUrl = `http://localhost:${port}`;
          return {
            PORT: String(port),
            PUBLIC_URL: publicUrl,
            CALLER_ID: APP,
            CALL_PROVIDER: 'twilio',
            TWILIO_API_URL: twilio.url,
            TWILIO_ACCOUNT_SID: TWILIO_TEST_CREDENTIALS.accountSid,
            TWILIO_AUTH_TOKEN: TWILIO_TEST_CREDENTIALS.authToken,
            CALL_API_URL: 'http://127.0.0.1:9',
            DIALER_API_URL: 'http://127.0.0.1:9',
          };
        },
      });
      ({ browser } = demo);
    });

    /** The simulator rings the app's number from `from`, as Twilio would: its voice webhook, then its status callback. */
    async function ring(from: string) {
      const rang = await fetch(`${twilio.url}/_sim/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          url: `${publicUrl}/webhooks/twilio/voice`,
          statusCallbackUrl: `${publicUrl}/webhooks/twilio`,
          from,
          to: APP,
        }),
      });
      expect(rang.status).toBe(201);
    }

    afterAll(async () => {
      await demo?.close();
      await twilio?.close();
    });

    it("shows a caller ringing the app on the app's page as it happens, and the call as theirs to the app on the caller's page", async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      recordPageErrors(page, errors);
      try {
        await page.goto(`${publicUrl}/calls/${encodeURIComponent(APP)}`);
        await page.locator('rk-call-history [part="own-number"]').waitFor();
        await page.locator('rk-call-history .empty').waitFor();

        // The simulator rings the app's number, as Twilio would: its voice webhook, then its status callback.
        await ring(ABROAD);

        // Live: the page is not reloaded.
        const row = page.locator(rowOf(ABROAD));
        await row.waitFor({ timeout: 20_000 });
        expect(await row.getAttribute('data-type')).toMatch(/ Inbound$/);
        expect((await row.locator('td.who').textContent())!.trim()).toBe('+44 20 7946 0958');
        const api = (await (
          await fetch(`${publicUrl}/api/calls/${encodeURIComponent(APP)}`)
        ).json()) as HistoryAnswer;
        expect(api).toMatchObject({
          app_number: APP,
          items: [{ counterparty: ABROAD, counterparty_is_app: false }],
        });

        // The caller's own history has it as their call to the app.
        await row.locator('td.who a').click();
        const theirs = page.locator(rowOf(APP));
        await theirs.waitFor();
        expect(await theirs.getAttribute('data-type')).toMatch(/ Outbound$/);
        expect(await theirs.getAttribute('data-with-app')).toBe('true');
        expect((await theirs.locator('.direction').textContent())!.trim()).toBe(
          'Called this app (+1 (415) 555-0100)',
        );
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('shows the voicemail a caller left, live, as a link to the recording', async () => {
      const caller = '+33123456789';
      const page = await browser.newPage();
      try {
        await page.goto(`${publicUrl}/calls/${encodeURIComponent(APP)}`);
        await page.locator('rk-call-history [part="own-number"]').waitFor();
        await ring(caller);
        const link = page.locator(`${rowOf(caller)} [part="voicemail"] a`);
        await link.waitFor({ timeout: 20_000 });
        const api = (await (
          await fetch(`${publicUrl}/api/calls/${encodeURIComponent(APP)}`)
        ).json()) as HistoryAnswer;
        const item = api.items.find((i) => i.counterparty === caller);
        expect(item?.recording_url).toMatch(new RegExp(`^${twilio.url}/`));
        expect(await link.getAttribute('href')).toBe(item?.recording_url);
        expect((await page.locator(`${rowOf(caller)} td.who`).textContent())!.trim()).toBe(
          '+33 1 23 45 67 89',
        );
      } finally {
        await page.close();
      }
    });
  },
);
