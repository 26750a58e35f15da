/**
 * The demo's OpenTelemetry SDK: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, every span of the
 * packages (`ringkit.scheduler.dispatch`, `ringkit.scheduler.place`, `ringkit.place_call`) goes to that OTLP/HTTP collector (Jaeger, Tempo, an OpenTelemetry
 * Collector…), and each placement's log line carries its span's `trace_id` and `span_id`.
 * Without it nothing is registered and the packages' spans cost next to nothing.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from './config.js';

export interface Tracing {
  /** Sends the spans still buffered and unregisters the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Registers the SDK globally when the configuration asks for it (`null` otherwise). `exporter`
 * replaces the OTLP one (tests keep spans in memory).
 */
export function startTracing(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  exporter?: SpanExporter,
): Tracing | null {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined && exporter === undefined) return null;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: exporter ?? new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }),
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
