/**
 * Retries by outcome through the API: `retry: { busy: { after_ms, max_attempts }, … }` on a
 * scheduled call and on a campaign, checked by one function, shown in snake_case with the
 * attempts by outcome; and every refusal a 400 that changes nothing.
 */
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
const simulators: CallApiSimulator[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

const PHONE = '+14155552671';
const now = () => new Date().toISOString();
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** The app on simulators whose every call ends busy. */
async function startBusyApp() {
  const busy = { port: 0, stepMs: [5, 20] as [number, number], outcomes: { busy: 1 } };
  const polling = await startCallApiSimulator({ ...busy, flavour: 'polling', seed: 1 });
  const webhook = await startCallApiSimulator({ ...busy, flavour: 'webhook', seed: 2 });
  simulators.push(polling, webhook);
  return startTestApp({ simulators: { polling, webhook } });
}

const schedule = (body: Record<string, unknown>) =>
  api(`${app!.url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number: PHONE, scheduled_time: inAnHour(), ...body },
  });

describe('retry on POST /api/scheduled-calls', () => {
  it('retries a busy call by its rule and shows the rule and the attempts by outcome', async () => {
    app = await startBusyApp();
    const res = await schedule({
      scheduled_time: now(),
      retry: {
        busy: { after_ms: 0, max_attempts: 2 },
        'no-answer': { after_ms: 60_000, max_attempts: 3 },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      max_attempts: 4,
      retry: {
        busy: { after_ms: 0, max_attempts: 2 },
        'no-answer': { after_ms: 60_000, max_attempts: 3 },
      },
      attempts_by_outcome: {},
    });
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${res.json.id}`);
      return json.status === 'busy' ? json : undefined;
    });
    expect(done).toMatchObject({ attempt: 2, attempts_by_outcome: { busy: 2 } });
    expect(done.attempts.map((a: { status: string }) => a.status)).toEqual(['busy', 'busy']);
    // Every attempt is in the number's history.
    const history = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length === 2 ? json.items : undefined;
    });
    expect(history.map((h: { type: string }) => h.type)).toEqual([
      'Missed Inbound',
      'Missed Inbound',
    ]);
  });

  it.each([
    [
      'an unknown outcome',
      { noanswer: { after_ms: 0, max_attempts: 2 } },
      'did you mean "no-answer"?',
      'retry',
    ],
    [
      "the packages' field names",
      { busy: { afterMs: 0, max_attempts: 2 } },
      'did you mean "after_ms"?',
      'retry.busy',
    ],
    ['a negative delay', { busy: { after_ms: -1, max_attempts: 2 } }, '', 'retry.busy.after_ms'],
    ['a cap of 0', { busy: { after_ms: 0, max_attempts: 0 } }, '', 'retry.busy.max_attempts'],
    [
      'machine without machine detection',
      { machine: { after_ms: 0, max_attempts: 2 } },
      'machineDetection',
      'retry.machine',
    ],
  ])('answers 400 for %s, and schedules nothing', async (_what, retry, message, path) => {
    app = await startTestApp();
    const res = await schedule({ retry });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toContain(message);
    const paths = res.json.error.details.issues.map((i: { path: string[] }) => i.path.join('.'));
    expect(paths).toContain(path);
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('answers 400 for retry_backoff beside retry', async () => {
    app = await startTestApp();
    const res = await schedule({
      retry: { busy: { after_ms: 0, max_attempts: 2 } },
      retry_backoff: { delay_ms: 1000 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues).toEqual([
      expect.objectContaining({ path: ['retry_backoff'] }),
    ]);
  });
});

describe('retry on POST /api/campaigns', () => {
  it('retries every entry by its rule and shows the attempts by outcome, per entry and in all', async () => {
    app = await startBusyApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'busy-twice',
        numbers: ['13018040009', '19842068287'],
        retry: { busy: { after_ms: 0, max_attempts: 2 } },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      max_attempts: 2,
      retry: { busy: { after_ms: 0, max_attempts: 2 } },
      attempts_by_outcome: {},
    });
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/campaigns/busy-twice`);
      return json.state === 'done' ? json : undefined;
    });
    expect(done.attempts_by_outcome).toEqual({ busy: 4 });
    expect(done.entries.map((e: { attempts_by_outcome: object }) => e.attempts_by_outcome)).toEqual(
      [{ busy: 2 }, { busy: 2 }],
    );
  });

  it('answers 400 for an unknown outcome, and creates nothing', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'typo',
        numbers: ['13018040009'],
        retry: { bussy: { after_ms: 0, max_attempts: 2 } },
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('unknown outcome "bussy": did you mean "busy"?');
    expect((await api(`${app.url}/api/campaigns/typo`)).status).toBe(404);
  });
});
