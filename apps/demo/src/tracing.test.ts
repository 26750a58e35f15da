/**
 * Traces out of the demo: with `OTEL_EXPORTER_OTLP_ENDPOINT`, the packages' spans reach an
 * OTLP/HTTP collector (a real HTTP server here), nested as the packages make them.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, startTestApp, type TestApp } from './_test-utils.js';
import { startTracing } from './tracing.js';

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A collector that keeps every export POSTed to `/v1/traces`. */
async function startCollector() {
  const exports: OtlpExport[] = [];
  const paths: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, paths };
}

describe('tracing', () => {
  it('is off without an endpoint', () => {
    expect(startTracing({ OTEL_SERVICE_NAME: 'ringkit-demo' })).toBeNull();
  });

  it('exports the spans of a scheduled call to the OTLP endpoint, nested, named for the service', async () => {
    const collector = await startCollector();
    const app: TestApp = await startTestApp({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'ringkit-test' },
    });
    closing.push(() => app.close());
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '+14155552671', scheduled_time: new Date().toISOString() },
    });
    const id = (created.json as { id: string }).id;
    await vi.waitFor(async () => {
      const call = (await api(`${app.url}/api/scheduled-calls/${id}`)).json as { status: string };
      expect(call.status).not.toMatch(/^(scheduled|queued)$/);
    });
    await app.close(); // flushes what is buffered

    expect(collector.paths[0]).toBe('POST /v1/traces application/json');
    const resources = collector.exports.flatMap((e) => e.resourceSpans);
    expect(resources[0]!.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'ringkit-test' },
    });
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [batch] = named('ringkit.scheduler.dispatch');
    const [place] = named('ringkit.scheduler.place');
    const [request] = named('ringkit.place_call');
    expect(place!.parentSpanId).toBe(batch!.spanId);
    expect(request!.parentSpanId).toBe(place!.spanId);
    expect(new Set([batch, place, request].map((s) => s!.traceId)).size).toBe(1);
    expect(place!.attributes).toContainEqual({
      key: 'ringkit.call.id',
      value: { stringValue: id },
    });
    expect(JSON.stringify(collector.exports)).not.toMatch(/4155552671/);
    // The log line says where the traces go.
    expect(app.logs).toContainEqual(
      expect.objectContaining({ msg: 'exporting traces over OTLP/HTTP', endpoint: collector.url }),
    );
  });
});
