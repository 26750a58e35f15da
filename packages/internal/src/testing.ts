/**
 * `@ringkit/internal/testing`: helpers the packages' tests share. Only tests import this entry,
 * so no build bundles it.
 */
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';

/** The timer methods of a clock (call-client's `Clock`), as the helpers here wrap them. */
export interface TimerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Wraps `inner` (a fake clock, say) and counts the timers armed on it: `stats.live()` now, and
 * `stats.maxLive`, the most at one moment (a test may set it back to measure a later stretch).
 */
export function countingClock<C extends TimerClock>(inner: C) {
  const live = new Set<unknown>();
  const stats = { maxLive: 0, live: () => live.size };
  const clock: TimerClock = {
    now: () => inner.now(),
    setTimeout(callback, ms) {
      const handle = inner.setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      stats.maxLive = Math.max(stats.maxLive, live.size);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      inner.clearTimeout(handle);
    },
  };
  return { clock, inner, stats };
}

/** The most moments (ms) in any half-open window `[t, t + 1000)`: how pacing tests count. */
export function mostInOneSecond(moments: number[]): number {
  const sorted = [...moments].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/**
 * Moves a fake clock `stepMs` at a time, giving real I/O (sockets, a simulator's HTTP server) a
 * millisecond between steps, until `done()` holds. For a test whose timers run on a fake clock
 * while its requests travel for real: what the clock paces is then timed exactly, and a second of
 * pacing takes about a tenth of a second. Throws after `maxMs` of fake time.
 */
export async function driveClock(
  clock: { advance(ms: number): Promise<void> },
  done: () => boolean | Promise<boolean>,
  { stepMs = 10, maxMs = 120_000, what = 'the condition' } = {},
): Promise<void> {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    if (await done()) return;
    await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`${what}: not after ${maxMs} ms of fake time`);
}

/**
 * Registers an OpenTelemetry SDK for the calling test file, as an application would: a global
 * tracer provider whose spans are kept in memory, and the AsyncLocalStorage context manager.
 * `close()` unregisters both.
 */
export function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.disable();
  context.disable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  return {
    provider,
    /** The spans ended so far, oldest first. */
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** The ended spans named `name`. */
    named: (name: string): ReadableSpan[] =>
      exporter.getFinishedSpans().filter((span) => span.name === name),
    reset: () => exporter.reset(),
    async close() {
      trace.disable();
      context.disable();
      await provider.shutdown();
    },
  };
}

/**
 * A tracer of its own, as an application passes one with `tracer` (the global provider, if any,
 * never sees its spans): `spans()` are the ones it ended.
 */
export function ownTracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return {
    tracer: provider.getTracer('own'),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    close: () => provider.shutdown(),
  };
}

/** Every attribute value of `spans`, as text: a test looks for a phone number in it. */
export function attributeText(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(spans.map((span) => [span.name, span.attributes, span.status]));
}

/**
 * The `execArgv` of a child process that runs the workspace's TypeScript sources with plain
 * `node` (`fork(script, args, { execArgv: sourceExecArgv() })`): the `@ringkit/source` condition
 * and the hooks of `source-hooks.ts`.
 */
export function sourceExecArgv(): string[] {
  return [
    // Node ≥ 22.18 / 23.6 strips types by default; older 22.x needs the flag.
    ...(process.features.typescript ? [] : ['--experimental-strip-types']),
    '--conditions=@ringkit/source',
    // The hooks compile TypeScript with `stripTypeScriptTypes`, still flagged experimental.
    '--disable-warning=ExperimentalWarning',
    '--import',
    fileURLToPath(new URL('./source-hooks.ts', import.meta.url)),
  ];
}

/**
 * Checks an error guard against `instanceof`: `guard(error)` is `true` exactly for the
 * `instances` of `type` (subclasses included), and `false` for a plain error and for `null`.
 */
export function expectGuardAgrees(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any error class
  type: abstract new (...args: any[]) => unknown,
  guard: (error: unknown) => boolean,
  instances: readonly Error[],
): void {
  for (const error of instances) {
    expect(guard(error), `${guard.name}(${error.name})`).toBe(error instanceof type);
  }
  expect(guard(new Error('plain'))).toBe(false);
  expect(guard(null)).toBe(false);
}
