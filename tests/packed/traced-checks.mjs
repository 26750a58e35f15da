// The packages traced, with @opentelemetry/api and its SDK installed beside them as an
// application installs them: the spans reach the application's tracer provider, nested, through
// whichever loader the application uses. (use.mjs and use.cjs ran before the API was installed:
// without it nothing is traced and everything works.)

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export async function runTracedChecks(loader, m) {
  const { api, hooks, sdk, client, testing, dialer, scheduler, memory } = m;
  const spans = [];
  const provider = new sdk.TracerProvider({
    spanProcessors: [
      new sdk.SimpleSpanProcessor({
        exporter: {
          export: (batch, done) => {
            spans.push(...batch);
            done({ code: 0 });
          },
          shutdown: () => Promise.resolve(),
        },
      }),
    ],
  });
  api.trace.setGlobalTracerProvider(provider);
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  const named = (name) => spans.filter((span) => span.name === name);
  const sim = await testing.startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 5 });
  try {
    const calls = client.createMockCallApiClient({ baseUrl: sim.url });
    const s = scheduler.createScheduler({
      store: memory.createMemoryStore(),
      provider: calls,
      callerId: '+14155550100',
    });
    const placed = new Promise((resolve) => s.on('placement', resolve));
    await s.start();
    await s.schedule({ to: '+14155552671', at: new Date() });
    const event = await placed;
    await s.stop();
    assert(event.outcome === 'placed', `the scheduled call was not placed: ${event.outcome}`);
    const [place] = named('ringkit.scheduler.place');
    const [request] = named('ringkit.place_call');
    assert(place && request, `missing spans: ${spans.map((x) => x.name).join(', ')}`);
    assert(
      request.parentSpanContext?.spanId === place.spanContext().spanId,
      'the request span is not a child of the placement span',
    );
    assert(event.trace?.spanId === place.spanContext().spanId, 'the event has not the span ids');

    const d = dialer.createDialer({
      provider: calls,
      numbers: ['+14155552672'],
      watchIntervalMs: 5,
    });
    const drained = new Promise((resolve) => d.on('drained', resolve));
    d.start();
    await drained;
    // The dialer's placement is the engine's: a second `ringkit.scheduler.place` span.
    assert(named('ringkit.scheduler.place').length === 2, 'the dialer made no placement span');
    console.log(`ok (${loader}): spans of the scheduler, the dialer and the client, nested`);
  } finally {
    await sim.close();
    await provider.shutdown();
    api.trace.disable();
    api.context.disable();
  }
}
