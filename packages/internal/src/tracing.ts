/**
 * OpenTelemetry tracing without depending on it: `@opentelemetry/api` is an optional peer of the
 * packages. When the application has it installed, spans go to whatever tracer provider the
 * application registered (none: the API's no-op spans); without it, nothing is traced, unless
 * a tracer is passed in.
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

/**
 * Tracing for the package `name`: through `tracer` when one is given, else through the
 * application's global tracer provider (looked up at each span, so a provider registered after
 * the client was made is used). `otel` is the API to use, `null` for none.
 */
export function createTracing(
  name: string,
  tracer?: TracerLike,
  otel: Api | null = otelApi(),
): Tracing {
  if (tracer === undefined && otel === null) {
    return { enabled: false, start: () => undefined, within: (_span, fn) => fn() };
  }
  const source: TracerLike = tracer ?? (otel!.trace.getTracer(name) as TracerLike);
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
