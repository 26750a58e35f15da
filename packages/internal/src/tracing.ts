/**
 * OpenTelemetry tracing without depending on it: `@opentelemetry/api` is an optional peer of the
 * packages. Spans go to the tracer provider the application registered through the API, or to a
 * tracer passed in. Until a provider is registered, no span is made and the API is not even
 * loaded: loading it costs a process 25 ms of CPU, and its spans without a provider are no-ops.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The parts of an OpenTelemetry `Span` the packages use. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
  isRecording(): boolean;
  spanContext(): { traceId: string; spanId: string };
}

/**
 * An OpenTelemetry `Tracer` (`trace.getTracer(…)` of `@opentelemetry/api`), or anything with its
 * `startSpan`.
 */
export interface TracerLike {
  startSpan(
    name: string,
    options?: {
      kind?: number;
      attributes?: Record<string, string | number | boolean>;
      startTime?: number;
    },
    context?: unknown,
  ): SpanLike;
}

/** The ids that tie a log line to a span. */
export interface TraceIds {
  traceId: string;
  spanId: string;
}

type Api = typeof OtelApi;

let api: Api | null | undefined;

/** `@opentelemetry/api`, as the application installed it, or `null` when it did not. */
export function otelApi(): Api | null {
  // Looked up from this file (the CommonJS build shims `import.meta.url`), so the application's
  // own copy is found; every copy of the API shares one registry of providers.
  api ??= loadOtelApi(createRequire(import.meta.url));
  return api;
}

/**
 * Where `@opentelemetry/api` 1.x keeps what the application registers (`trace`: its tracer
 * provider; `context`: its context manager), one object shared by every copy of the API 1.x in
 * the process.
 */
const OTEL_REGISTRY = Symbol.for('opentelemetry.js.api.1');

/** Whether the application registered a tracer provider through `@opentelemetry/api` 1.x. */
export function tracerProviderRegistered(): boolean {
  const registry = (globalThis as Record<symbol, unknown>)[OTEL_REGISTRY];
  return typeof registry === 'object' && registry !== null && 'trace' in registry;
}

/** `@opentelemetry/api` through `load`, or `null` when it cannot be loaded. */
export function loadOtelApi(load: (id: string) => unknown): Api | null {
  try {
    return load('@opentelemetry/api') as Api;
  } catch {
    return null;
  }
}

/** Span kinds and status codes, as `@opentelemetry/api` numbers them. */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_CLIENT = 2;
export const SPAN_STATUS_OK = 1;
export const SPAN_STATUS_ERROR = 2;

/** Starts spans for one package; every method is a no-op when there is nothing to trace to. */
export interface Tracing {
  /**
   * `false` when nothing can be traced (no `@opentelemetry/api`, no tracer): callers skip
   * building a span's attributes.
   */
  readonly enabled: boolean;
  /** Starts a span, a child of `parent` (or of the active span); `undefined` when off. */
  start(
    name: string,
    attributes: Record<string, string | number | boolean>,
    options?: { parent?: SpanLike | undefined; kind?: number; startTime?: number },
  ): SpanLike | undefined;
  /** Runs `fn` with `span` as the active span, so the spans started inside are its children. */
  within<T>(span: SpanLike | undefined, fn: () => T): T;
}

/** Where {@link createTracing} finds the API and the provider (tests replace them). */
export interface TracingEnv {
  /** `@opentelemetry/api`, or `null` when it is not installed; {@link otelApi} by default. */
  api?: () => Api | null;
  /** Whether a tracer provider is registered; {@link tracerProviderRegistered} by default. */
  registered?: () => boolean;
}

/**
 * Tracing for the package `name`: through `tracer` when one is given, else through the
 * application's global tracer provider. That provider is looked for at each span, so one
 * registered after the client was made is used; until there is one, no span is made and
 * `@opentelemetry/api` is not loaded.
 */
export function createTracing(name: string, tracer?: TracerLike, env: TracingEnv = {}): Tracing {
  const api = env.api ?? otelApi;
  if (tracer !== undefined) return tracingThrough(tracer, api());
  const registered = env.registered ?? tracerProviderRegistered;
  /** The API while a provider is registered, else `null`. */
  const current = () => (registered() ? api() : null);
  let made: { otel: Api; tracing: Tracing } | null = null;
  const through = (otel: Api) => {
    if (made?.otel !== otel) {
      made = { otel, tracing: tracingThrough(otel.trace.getTracer(name) as TracerLike, otel) };
    }
    return made.tracing;
  };
  return {
    get enabled() {
      return current() !== null;
    },
    start(spanName, attributes, options) {
      const otel = current();
      return otel === null ? undefined : through(otel).start(spanName, attributes, options);
    },
    within(span, fn) {
      const otel = span === undefined ? null : api();
      return otel === null ? fn() : through(otel).within(span, fn);
    },
  };
}

/** Tracing through `source`, with the active context of `otel` (none: no parents). */
function tracingThrough(source: TracerLike, otel: Api | null): Tracing {
  const contextOf = (parent: SpanLike | undefined) =>
    otel === null
      ? undefined
      : parent === undefined
        ? otel.context.active()
        : otel.trace.setSpan(otel.context.active(), parent as OtelApi.Span);
  return {
    enabled: true,
    start(spanName, attributes, options = {}) {
      return source.startSpan(
        spanName,
        {
          kind: options.kind ?? SPAN_KIND_INTERNAL,
          attributes,
          ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
        },
        contextOf(options.parent),
      );
    },
    within(span, fn) {
      if (span === undefined || otel === null) return fn();
      return otel.context.with(otel.trace.setSpan(otel.context.active(), span as OtelApi.Span), fn);
    },
  };
}

/**
 * Ends `span`: OK, or ERROR with the error's type (its `code` or class name). Never its message,
 * which may quote a provider's answer and the phone number in it.
 */
export function endSpan(span: SpanLike | undefined, error?: unknown, endTime?: number): void {
  if (span === undefined) return;
  if (error === undefined) {
    span.setStatus({ code: SPAN_STATUS_OK });
  } else {
    const type = errorType(error);
    span.setAttribute('error.type', type);
    span.setStatus({ code: SPAN_STATUS_ERROR, message: type });
  }
  span.end(endTime);
}

/** `error.type` as OpenTelemetry's conventions have it: a code, else a class name. */
export function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

/** The ids of a span that is being recorded, for a log line; `undefined` otherwise. */
export function traceIds(span: SpanLike | undefined): TraceIds | undefined {
  if (span === undefined || !span.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
