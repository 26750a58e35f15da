import * as api from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTracing,
  endSpan,
  errorType,
  loadOtelApi,
  traceIds,
  tracerProviderRegistered,
} from './tracing.js';
import { recordSpans } from './testing.js';

const otel = recordSpans();
afterAll(() => otel.close());
beforeEach(() => otel.reset());

describe('createTracing', () => {
  it('starts spans on the global provider, children of the active span or of a parent given', () => {
    const tracing = createTracing('@ringkit/test');
    const parent = tracing.start('parent', { n: 1 })!;
    const child = tracing.start('child', {}, { parent })!;
    const inner = tracing.within(parent, () => tracing.start('inner', {}))!;
    for (const span of [child, inner, parent]) endSpan(span);

    const [c, i, p] = otel.spans();
    expect(p!.attributes).toEqual({ n: 1 });
    expect(c!.parentSpanContext?.spanId).toBe(p!.spanContext().spanId);
    expect(i!.parentSpanContext?.spanId).toBe(p!.spanContext().spanId);
    expect(p!.instrumentationScope.name).toBe('@ringkit/test');
  });

  it('takes the start time and kind asked for', () => {
    const tracing = createTracing('@ringkit/test');
    endSpan(tracing.start('timed', {}, { startTime: Date.parse('2026-01-01T00:00:00Z'), kind: 2 }));
    const [span] = otel.spans();
    expect(span!.kind).toBe(2);
    expect(new Date(span!.startTime[0] * 1000).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('goes to a tracer passed in', () => {
    const startSpan = vi.fn(() => trace.getTracer('x').startSpan('x'));
    createTracing('@ringkit/test', { startSpan }).start('mine', { a: 'b' });
    expect(startSpan).toHaveBeenCalledWith(
      'mine',
      { kind: 0, attributes: { a: 'b' } },
      expect.anything(),
    );
  });

  it('traces nothing and runs everything as is without @opentelemetry/api', () => {
    const tracing = createTracing('@ringkit/test', undefined, { api: () => null });
    expect(tracing.enabled).toBe(false);
    expect(tracing.start('nothing', {})).toBeUndefined();
    expect(tracing.within(undefined, () => 42)).toBe(42);
    expect(otel.spans()).toHaveLength(0);
  });

  it('still traces to a tracer passed in without @opentelemetry/api, without parents', () => {
    const startSpan = vi.fn(() => trace.getTracer('x').startSpan('x'));
    const tracing = createTracing('@ringkit/test', { startSpan }, { api: () => null });
    expect(tracing.enabled).toBe(true);
    const span = tracing.start('mine', {});
    expect(tracing.within(span, () => 7)).toBe(7);
    expect(startSpan).toHaveBeenCalledWith('mine', { kind: 0, attributes: {} }, undefined);
  });
});

describe('createTracing without a registered provider', () => {
  it('makes no span and never loads @opentelemetry/api, until a provider is registered', () => {
    let registered = false;
    const load = vi.fn(() => api);
    const tracing = createTracing('@ringkit/test', undefined, {
      api: load,
      registered: () => registered,
    });
    expect(tracing.enabled).toBe(false);
    expect(tracing.start('before', {})).toBeUndefined();
    expect(tracing.within(undefined, () => 42)).toBe(42);
    expect(load).not.toHaveBeenCalled();

    registered = true;
    expect(tracing.enabled).toBe(true);
    const parent = tracing.start('after', {})!;
    const child = tracing.within(parent, () => tracing.start('child', {}))!;
    endSpan(child);
    endSpan(parent);
    expect(load).toHaveBeenCalled();
    expect(otel.spans().map((span) => span.name)).toEqual(['child', 'after']);
    expect(otel.named('child')[0]!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);

    registered = false;
    expect(tracing.enabled).toBe(false);
    expect(tracing.start('unregistered', {})).toBeUndefined();
  });

  it('traces to a tracer passed in whether or not a provider is registered', () => {
    const startSpan = vi.fn(() => trace.getTracer('x').startSpan('x'));
    const tracing = createTracing(
      '@ringkit/test',
      { startSpan },
      { api: () => api, registered: () => false },
    );
    expect(tracing.enabled).toBe(true);
    expect(tracing.start('mine', {})).toBeDefined();
    expect(startSpan).toHaveBeenCalledTimes(1);
  });
});

describe('tracerProviderRegistered', () => {
  it("follows the API's global registration: set, disabled, set again", () => {
    expect(tracerProviderRegistered()).toBe(true);
    trace.disable();
    try {
      expect(tracerProviderRegistered()).toBe(false);
      expect(createTracing('@ringkit/test').start('unseen', {})).toBeUndefined();
    } finally {
      trace.setGlobalTracerProvider(otel.provider);
    }
    expect(tracerProviderRegistered()).toBe(true);
    expect(createTracing('@ringkit/test').start('seen', {})).toBeDefined();
  });
});

describe('loadOtelApi', () => {
  it('is the module loaded, or null when loading it throws', () => {
    const module = { trace: {} };
    expect(loadOtelApi(() => module)).toBe(module);
    expect(
      loadOtelApi(() => {
        throw new Error("Cannot find module '@opentelemetry/api'");
      }),
    ).toBeNull();
  });
});

describe('endSpan', () => {
  it('ends OK, or ERROR with the type of the error and never its message', () => {
    const tracing = createTracing('@ringkit/test');
    endSpan(tracing.start('ok', {}));
    endSpan(
      tracing.start('failed', {}),
      Object.assign(new Error('call +14155552671'), { code: 'http_error' }),
    );
    endSpan(undefined, new Error('nothing to end'));
    const [ok, failed] = otel.spans();
    expect(ok!.status).toEqual({ code: 1 });
    expect(failed!.status).toEqual({ code: 2, message: 'http_error' });
    expect(failed!.attributes).toEqual({ 'error.type': 'http_error' });
  });
});

describe('errorType', () => {
  it('is the code, else the class name, else _OTHER', () => {
    expect(errorType(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorType(new TypeError('x'))).toBe('TypeError');
    expect(errorType('a string')).toBe('_OTHER');
    expect(errorType({ code: '', name: '' })).toBe('_OTHER');
  });
});

describe('traceIds', () => {
  it('gives the ids of a span being recorded, and nothing for one that is not', () => {
    const tracing = createTracing('@ringkit/test');
    const span = tracing.start('live', {})!;
    const { traceId, spanId } = span.spanContext();
    expect(traceIds(span)).toEqual({ traceId, spanId });
    span.end();
    expect(traceIds(span)).toBeUndefined();
    expect(traceIds(undefined)).toBeUndefined();
  });
});
