/**
 * A switch of provider never re-routes a call: calls scheduled through another provider wait,
 * `scheduled`, the API shows whose they are, and the log says so at start.
 */
import { createScheduler } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createFakeProvider } from '@ringkit/simulator';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from './_test-utils.js';
import { callsWaitingForOtherProviders } from './provider-wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A store holding `count` calls due now, scheduled through the provider named `name`. */
async function storeWithCallsOf(name: string, count: number) {
  const store = createMemoryStore();
  const earlier = createScheduler({
    store,
    provider: createFakeProvider({ name }),
    callerId: '+14155550100',
  });
  const calls = [];
  for (let i = 0; i < count; i += 1) {
    calls.push(await earlier.schedule({ to: `+1415555${2671 + i}`, at: new Date() }));
  }
  return { store, calls };
}

describe('calls of another provider', () => {
  it('wait, scheduled, in a demo of the practice APIs; the API and the log name their provider', async () => {
    const { store, calls } = await storeWithCallsOf('twilio', 2);
    const kept = { ...store, close: async () => {} };
    app = await startTestApp({ store: kept });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const call of calls) {
      const { json } = await api(`${app.url}/api/scheduled-calls/${call.id}`);
      expect(json).toMatchObject({ status: 'scheduled', provider: 'twilio' });
    }
    expect(app.polling.calls()).toEqual([]);
    const line = app.logs.find((l) => String(l['msg']).startsWith('calls scheduled through'));
    expect(line).toMatchObject({ level: 40, waiting: { twilio: 2 }, provider: 'mock-call-api' });
    // A call scheduled now is the practice API's, and is placed.
    const fresh = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '+14155552699', scheduled_time: new Date().toISOString() },
    });
    expect(fresh.json.provider).toBe('mock-call-api');
  });

  it('counts the waiting calls by provider, leaving out its own and those of none', async () => {
    const { store } = await storeWithCallsOf('telnyx', 3);
    const own = createScheduler({
      store,
      provider: createFakeProvider({ name: 'mock-call-api' }),
      callerId: '+14155550100',
    });
    await own.schedule({ to: '+14155552690', at: new Date(Date.now() + 60_000) });
    const logger = pino({ level: 'silent' });
    expect(await callsWaitingForOtherProviders(store, 'mock-call-api', logger)).toEqual({
      telnyx: 3,
    });
    expect(await callsWaitingForOtherProviders(store, 'telnyx', logger)).toEqual({
      'mock-call-api': 1,
    });
    expect(await callsWaitingForOtherProviders(createMemoryStore(), 'x', logger)).toEqual({});
  });
});
