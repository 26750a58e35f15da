import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startCallApiSimulator,
  type CallApiSimulator,
  type SimulatorOptions,
} from '@ringkit/simulator';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** A free port of 127.0.0.1, for a server that must know its own URL before it starts. */
export { freePort } from '../src/_test-ports.js';

/** Debian's Chromium; the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const app = fileURLToPath(new URL('..', import.meta.url));

export function assertBuilt(): void {
  if (
    !existsSync(join(app, 'dist/server.js')) ||
    !existsSync(join(app, 'dist/public/index.html'))
  ) {
    throw new Error('The app is not built: run `pnpm --filter @ringkit/demo build` first');
  }
}

export interface BuiltServer {
  child: ChildProcess;
  url: string;
  /** Sends SIGKILL unless it already exited. */
  kill(): void;
}

/** Starts `node dist/server.js` on a free port and resolves with its URL once it listens. */
export function startBuiltServer(env: Record<string, string>): Promise<BuiltServer> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: app,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ringkit demo listening on ([^\s"]+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, kill });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A plain HTTP server on a free port of 127.0.0.1: another origin than the demo's. */
export async function startSite(
  handler: RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now, one line per
 * element. The page must allow the script (`browser.newPage({ bypassCSP: true })`): the demo's
 * CSP lets only its own scripts run.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ content: axe.source });
  }
  const found = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
      .axe;
    const result = (await run.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    })) as { violations: unknown[] };
    return result.violations;
  });
  return (found as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`,
      ),
    );
}

/** The focused element, through shadow roots, as `tag#id:text`. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return 'body';
    const host = (el.getRootNode() as ShadowRoot).host?.tagName.toLowerCase();
    const field = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
    const text = (field ? '' : (el.getAttribute('aria-label') ?? el.textContent ?? ''))
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 30);
    return `${host ? `${host} ` : ''}${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}:${text}`;
  });
}

/** A local date-time in the `datetime-local` format, `ms` from now, computed in the page. */
export const localInputIn = (page: Page, ms: number) =>
  page.evaluate((offset) => {
    const d = new Date(Date.now() + offset);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }, ms);

/** Collects into `errors` every uncaught error and console error of `page`. */
export function recordPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
}

/** The simulators a {@link BrowserDemo} runs: the scheduler's API and the dialer's. */
export interface DemoSimulators {
  polling: CallApiSimulator | null;
  webhook: CallApiSimulator | null;
}

/** Options of {@link startBrowserDemo}. */
export interface BrowserDemoOptions {
  /** Names its temporary `DATA_DIR` (`ringkit-e2e-<name>-…`). */
  name: string;
  /** The polling simulator's options (the scheduler's API), or `false` for none. */
  polling?: Omit<SimulatorOptions, 'flavour' | 'port'> | false;
  /** The webhook simulator's options (the dialer's API), or `false` for none. */
  webhook?: Omit<SimulatorOptions, 'flavour' | 'port'> | false;
  /** Runs before the server starts, with its `DATA_DIR` (to seed the store). */
  prepare?: (dataDir: string) => Promise<void>;
  /**
   * The server's environment beside `DATA_DIR`. Default: `CALL_API_URL` and `DIALER_API_URL`
   * at the simulators (an address nobody answers for one not run).
   */
  env?: (sims: DemoSimulators) => Promise<Record<string, string>> | Record<string, string>;
  /** The options of the page opened for the test. */
  page?: BrowserContextOptions;
}

/** The built demo on a temporary `DATA_DIR`, its simulators and Chromium, closed together. */
export interface BrowserDemo extends DemoSimulators {
  dataDir: string;
  server: BuiltServer;
  browser: Browser;
  /** A page opened for the test (a test may open more with `browser`). */
  page: Page;
  /** Every uncaught error and console error of `page`. */
  pageErrors: string[];
  /** Closes the browser, the server and the simulators, and deletes `DATA_DIR`. */
  close(): Promise<void>;
}

/** An address nobody answers: the API of a simulator a test does not run. */
const NOBODY = 'http://127.0.0.1:9';

/**
 * Starts what a browser test of the demo needs: its simulators, the built server on a new
 * `DATA_DIR`, Chromium and a page that records its errors. What started is closed again when a
 * later step fails.
 */
export async function startBrowserDemo(options: BrowserDemoOptions): Promise<BrowserDemo> {
  assertBuilt();
  const parts: Partial<BrowserDemo> & DemoSimulators = { polling: null, webhook: null };
  const dataDir = mkdtempSync(join(tmpdir(), `ringkit-e2e-${options.name}-`));
  const close = async () => {
    await parts.browser?.close();
    parts.server?.kill();
    await Promise.all([parts.polling?.close(), parts.webhook?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await options.prepare?.(dataDir);
    if (options.polling !== false) {
      parts.polling = await startCallApiSimulator({
        ...options.polling,
        flavour: 'polling',
        port: 0,
      });
    }
    if (options.webhook !== false) {
      parts.webhook = await startCallApiSimulator({
        ...options.webhook,
        flavour: 'webhook',
        port: 0,
      });
    }
    const env = options.env
      ? await options.env(parts)
      : {
          CALL_API_URL: parts.polling?.url ?? NOBODY,
          DIALER_API_URL: parts.webhook?.url ?? NOBODY,
        };
    parts.server = await startBuiltServer({ DATA_DIR: dataDir, ...env });
    parts.browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await parts.browser.newPage(options.page ?? {});
    recordPageErrors(page, pageErrors);
    return {
      ...parts,
      dataDir,
      server: parts.server,
      browser: parts.browser,
      page,
      pageErrors,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
