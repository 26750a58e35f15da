/**
 * The operator's page in Chromium: its five uPlot charts fill, live, with what the scheduler and
 * the dialer do against the simulators; it passes axe; embedded on another site it works too.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  app,
  hasChromium,
  startBrowserDemo,
  seriousViolations,
  startSite,
  type BuiltServer,
  type BrowserDemo,
} from './_support.js';

if (!hasChromium && process.env['CI']) {
  throw new Error('/usr/bin/chromium is missing: the browser tests must run in CI');
}

/** The README's screenshot is refreshed only on request (`pnpm screenshots`). */
const refreshScreenshots = process.env['RINGKIT_SCREENSHOTS'] === '1';
const screenshots = join(app, 'screenshots');

interface Sample {
  t: number;
  placed_per_s: { scheduler: number; dialer: number };
  dispatch_lag_ms: { p50: number | null; p99: number | null };
  provider_ms: { p50: number | null; p99: number | null };
  ended: Record<string, number>;
  in_flight: { scheduler: number; dialer: number };
}

/** The samples `<rk-ops>` holds now. */
const samplesOf = (page: Page, selector = 'rk-ops') =>
  page.evaluate(
    (s) => (document.querySelector(s) as unknown as { samples: Sample[] }).samples,
    selector,
  );

/** Each chart's latest figures, as the page shows them beside its title. */
const latestOf = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('rk-ops')!.shadowRoot!;
    return Object.fromEntries(
      [...root.querySelectorAll('figure')].map((f) => [
        f.dataset['chart'],
        f.querySelector('output')!.textContent!.replace(/\s+/g, ' ').trim(),
      ]),
    );
  });

describe.skipIf(!hasChromium)('the operator page', () => {
  let demo: BrowserDemo;
  let server: BuiltServer;
  let browser: Browser;
  let page: Page;
  /** Another site that embeds the element: an origin in ALLOWED_ORIGINS. */
  let site: { url: string; close(): Promise<void> };
  let pageErrors: string[];

  beforeAll(async () => {
    // Calls that end every way, so the outcomes chart has a line for each.
    const outcomes = { completed: 6, busy: 2, 'no-answer': 2, failed: 1 };
    demo = await startBrowserDemo({
      name: 'ops',
      polling: { stepMs: [300, 900], seed: 11, outcomes },
      webhook: { stepMs: [300, 900], seed: 12, outcomes },
      async env({ polling, webhook }) {
        site = await startSite((_req, res) => {
          res.setHeader('content-type', 'text/html');
          res.end(`<!doctype html><html lang="en"><title>elsewhere</title>
        <script src="${server.url}/embed.js"></script>
        <rk-ops api="${server.url}"></rk-ops></html>`);
        });
        return {
          ALLOWED_ORIGINS: site.url,
          CALL_API_URL: polling!.url,
          DIALER_API_URL: webhook!.url,
          DIALER_CONCURRENCY: '3',
        };
      },
      page: { viewport: { width: 1280, height: 1000 }, bypassCSP: false },
    });
    ({ server, browser, page, pageErrors } = demo);
  });

  afterAll(async () => {
    await demo?.close();
    await site?.close();
  });

  it(
    'draws five live charts of the calls placed, their lag, outcomes, calls in flight and the provider',
    async () => {
      await page.goto(`${server.url}/ops`);
      await expect.poll(() => page.locator('rk-ops canvas').count(), { timeout: 10_000 }).toBe(5);
      expect(await page.locator('rk-ops figure h2').allTextContents()).toEqual([
        'Calls placed per second',
        'Dispatch lag',
        'Outcomes by status',
        'Calls in flight',
        "Provider's response time",
      ]);

      // Before any call, the page says why its charts are empty, and where calls come from.
      const empty = page.locator('rk-ops [data-testid="empty"]');
      await empty.waitFor();
      expect((await empty.textContent())!.replace(/\s+/g, ' ')).toMatch(
        /No call placed, ended or in flight in the last/,
      );
      expect(
        await empty.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
      ).toEqual(['/', '/dialer']);

      // Calls for both: scheduled calls due over the next seconds, and the dialer's list. For the
      // README's screenshot, calls over two and a half minutes: the charts span five.
      const due = refreshScreenshots ? 100 : 8;
      for (let i = 0; i < due; i += 1) {
        const res = await fetch(`${server.url}/api/scheduled-calls`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            phone_number: `+1415555${String(2600 + i)}`,
            scheduled_time: new Date(
              Date.now() + 500 + i * (refreshScreenshots ? 1500 : 100),
            ).toISOString(),
          }),
        });
        expect(res.status).toBe(201);
      }
      const started = await fetch(`${server.url}/api/dialer/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(started.status).toBe(202);

      // The samples come live, and show both sources placing, calls in flight, then ending.
      await expect
        .poll(
          async () => {
            const samples = await samplesOf(page);
            return {
              scheduler: samples.some((s) => s.placed_per_s.scheduler > 0),
              dialer: samples.some((s) => s.placed_per_s.dialer > 0),
              lag: samples.some((s) => s.dispatch_lag_ms.p99 !== null),
              provider: samples.some((s) => s.provider_ms.p50 !== null),
              inFlight: samples.some((s) => s.in_flight.scheduler + s.in_flight.dialer > 0),
              ended:
                samples.reduce(
                  (n, s) => n + Object.values(s.ended).reduce((a, b) => a + b, 0),
                  0,
                ) >= due,
            };
          },
          { timeout: refreshScreenshots ? 240_000 : 30_000, interval: 250 },
        )
        .toEqual({
          scheduler: true,
          dialer: true,
          lag: true,
          provider: true,
          inFlight: true,
          ended: true,
        });

      // Calls were placed: the page is no longer empty.
      expect(await empty.count()).toBe(0);
      const latest = await latestOf(page);
      // Each chart's headline figures are shown in words beside it, with the time they cover.
      expect(latest['placed']).toMatch(
        /^Last (minute|\d+ s): scheduler [\d.]+ \/s, dialer [\d.]+ \/s$/,
      );
      expect(latest['in-flight']).toMatch(/^Now: scheduler \d+, dialer \d+$/);
      expect(latest['ended']).toMatch(
        /^Last (minute|\d+ s): Completed \d+, Busy \d+, No answer \d+, Failed \d+, Canceled \d+, Do not call \d+$/,
      );
      // The samples the page holds are the server's, in order.
      const shown = await samplesOf(page);
      const served = (await (await fetch(`${server.url}/api/ops`)).json()) as { samples: Sample[] };
      const times = shown.map((s) => s.t);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(served.samples.map((s) => s.t)).toEqual(expect.arrayContaining(times.slice(0, -2)));
      expect(pageErrors).toEqual([]);

      if (refreshScreenshots) {
        mkdirSync(screenshots, { recursive: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(screenshots, 'ops.png'), fullPage: true });
      }
    },
    refreshScreenshots ? 300_000 : undefined,
  );

  it('draws a lone sample as a point, its headline labelled with the time it covers', async () => {
    const zero = { completed: 0, busy: 0, 'no-answer': 0, failed: 0, canceled: 0 };
    const none = { p50: null, p99: null };
    const figures = { placed_per_s: { scheduler: 0.5, dialer: 0 }, dispatch_lag_ms: none };
    const sample = {
      t: Date.now(),
      ...figures,
      provider_ms: none,
      ended: zero,
      in_flight: { scheduler: 0, dialer: 0 },
      window: { span_s: 1, ...figures, provider_ms: none, ended: zero },
    };
    const lone = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    try {
      await lone.route(
        (url) => url.pathname === '/api/ops',
        (route) => route.fulfill({ json: { interval_ms: 1000, samples: [sample] } }),
      );
      await lone.route(
        (url) => url.pathname === '/api/ops/events',
        (route) => route.fulfill({ status: 204 }),
      );
      await lone.goto(`${server.url}/ops`);
      // Pixels of the scheduler's line colour (#0b5cad) on the calls-placed chart.
      const painted = () =>
        lone.evaluate(() => {
          const root = document.querySelector('rk-ops')!.shadowRoot!;
          const canvas = root.querySelector<HTMLCanvasElement>('[data-chart="placed"] canvas');
          if (!canvas) return 0;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let count = 0;
          for (let i = 0; i < data.length; i += 4) {
            const near = (value: number, to: number) => Math.abs(value - to) < 40;
            if (near(data[i]!, 11) && near(data[i + 1]!, 92) && near(data[i + 2]!, 173)) count++;
          }
          return count;
        });
      await expect.poll(painted, { timeout: 10_000 }).toBeGreaterThan(4);
      expect((await latestOf(lone))['placed']).toBe('Last 1 s: scheduler 0.5 /s, dialer 0 /s');
      expect((await latestOf(lone))['in-flight']).toBe('Now: scheduler 0, dialer 0');
      expect(await lone.locator('rk-ops .meta').textContent()).toContain('1 sample,');
    } finally {
      await lone.close();
    }
  });

  it('spans five minutes from the first sample, joins sparse timings, and keeps a spike from flattening the outcomes', async () => {
    const zero = { completed: 0, busy: 0, 'no-answer': 0, failed: 0, canceled: 0 };
    const none = { p50: null, p99: null };
    const t0 = Date.now() - 40_000;
    // 40 s of samples: a provider timing every third second for 20 s, then none for 15 s, then
    // some again; 9,991 cancellations in one second among a few completions.
    const samples = Array.from({ length: 40 }, (_, i) => {
      const timed = (i < 20 && i % 3 === 0) || i >= 35;
      const ended = { ...zero, completed: i % 5 === 0 ? 2 : 0, canceled: i === 30 ? 9_991 : 0 };
      const figures = {
        placed_per_s: { scheduler: 1, dialer: 0 },
        dispatch_lag_ms: none,
        provider_ms: timed ? { p50: 120, p99: 300 } : none,
        ended,
      };
      return {
        t: t0 + i * 1000,
        ...figures,
        in_flight: { scheduler: 0, dialer: 0 },
        window: { span_s: 60, ...figures },
      };
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    try {
      await page.route(
        (url) => url.pathname === '/api/ops',
        (route) => route.fulfill({ json: { interval_ms: 1000, samples } }),
      );
      await page.route(
        (url) => url.pathname === '/api/ops/events',
        (route) => route.fulfill({ status: 204 }),
      );
      await page.goto(`${server.url}/ops`);
      await page.locator('rk-ops [data-chart="provider"] canvas').waitFor();
      // The chart may be drawn before the samples reach it: wait for all 40.
      await expect
        .poll(() =>
          page.evaluate(() => {
            type Plot = { data: number[][] };
            const rk = document.querySelector('rk-ops') as unknown as { plots: Map<string, Plot> };
            return rk.plots.get('provider')?.data[0]?.length ?? 0;
          }),
        )
        .toBe(40);
      const seen = await page.evaluate(() => {
        type Plot = {
          scales: Record<string, { min: number; max: number; distr: number }>;
          data: number[][];
          series: {
            gaps?: (u: Plot, i: number, a: number, b: number, g: number[][]) => number[][];
          }[];
        };
        const plots = (document.querySelector('rk-ops') as unknown as { plots: Map<string, Plot> })
          .plots;
        const provider = plots.get('provider')!;
        const last = provider.data[0]!.length - 1;
        return {
          spans: [...plots.values()].map((p) =>
            Math.round(p.scales['x']!.max - p.scales['x']!.min),
          ),
          distr: Object.fromEntries([...plots].map(([id, p]) => [id, p.scales['y']!.distr])),
          gaps: provider.series[1]!.gaps!(provider, 1, 0, last, []).length,
        };
      });
      // Five minutes on every chart, though the samples cover 40 s.
      expect(seen.spans).toEqual([300, 300, 300, 300, 300]);
      // The outcomes' axis is arcsinh (distr 4); the others linear.
      expect(seen.distr).toEqual({ placed: 1, lag: 1, ended: 4, 'in-flight': 1, provider: 1 });
      // Timings three seconds apart are joined; the 16 s without one is the only gap.
      expect(seen.gaps).toBe(1);
    } finally {
      await page.close();
    }
  });

  it('has no serious accessibility violation, each chart named and described', async () => {
    const checked = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
      bypassCSP: true,
    });
    try {
      await checked.goto(`${server.url}/ops`);
      await expect.poll(() => checked.locator('rk-ops canvas').count()).toBe(5);
      expect(await seriousViolations(checked)).toEqual([]);
      const described = await checked.evaluate(() =>
        [...document.querySelector('rk-ops')!.shadowRoot!.querySelectorAll('[role="img"]')].map(
          (plot) => {
            const root = plot.getRootNode() as ShadowRoot;
            const name = root.getElementById(plot.getAttribute('aria-labelledby')!)?.textContent;
            const description = root.getElementById(
              plot.getAttribute('aria-describedby')!,
            )?.textContent;
            return Boolean(name?.trim()) && Boolean(description?.trim());
          },
        ),
      );
      expect(described).toEqual([true, true, true, true, true]);
    } finally {
      await checked.close();
    }
  });

  it('works embedded on another site through embed.js', async () => {
    const embedded = await browser.newPage({ viewport: { width: 900, height: 900 } });
    try {
      await embedded.goto(site.url);
      await expect
        .poll(() => embedded.locator('rk-ops canvas').count(), { timeout: 10_000 })
        .toBe(5);
      await expect
        .poll(async () => (await samplesOf(embedded)).length, { timeout: 10_000 })
        .toBeGreaterThan(0);
    } finally {
      await embedded.close();
    }
  });
});
