/**
 * The dialer routes, end to end through HTTP against the simulator: start, stop, restart, the
 * interrupted-run choice and every bad body. One file because the cases share one server setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, startFaultGateway } from '@ringkit/call-client/testing';
import type { Store } from '@ringkit/scheduler-core';
import { memoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, openEvents, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /api/dialer', () => {
  it('lists every configured number, idle, before the start', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/dialer`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      state: 'idle',
      concurrency: 2,
      total: 4,
      ended: 0,
      counts: { idle: 4 },
      entries: [
        {
          index: 0,
          phone: '+13018040009',
          status: 'idle',
          call_id: null,
          attempts: 0,
          started_at: null,
          ended_at: null,
          answered_at: null,
          in_doubt: false,
          reason: null,
        },
        {
          index: 1,
          phone: '+19842068287',
          status: 'idle',
          call_id: null,
          attempts: 0,
          started_at: null,
          ended_at: null,
          answered_at: null,
          in_doubt: false,
          reason: null,
        },
        {
          index: 2,
          phone: '+15512459377',
          status: 'idle',
          call_id: null,
          attempts: 0,
          started_at: null,
          ended_at: null,
          answered_at: null,
          in_doubt: false,
          reason: null,
        },
        {
          index: 3,
          phone: '+13018040009',
          status: 'idle',
          call_id: null,
          attempts: 0,
          started_at: null,
          ended_at: null,
          answered_at: null,
          in_doubt: false,
          reason: null,
        },
      ],
      interrupted_run: null,
    });
  });

  it('answers 400 for a query parameter', async () => {
    app = await startTestApp();
    expect((await api(`${app.url}/api/dialer?verbose=1`)).status).toBe(400);
  });
});

describe('POST /api/dialer/start', () => {
  it('answers 202, dials every number through webhooks to completed, then 409', async () => {
    app = await startTestApp();
    const started = await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    expect(started.status).toBe(202);
    expect(started.json.state).toBe('running');

    const done = await eventually(async () => {
      const res = await api(`${app!.url}/api/dialer`);
      return res.json.state === 'done' ? res.json : undefined;
    });
    expect(done.entries.map((e: { status: string }) => e.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    expect(done.counts).toEqual({ completed: 4 });
    expect(app.webhook.calls().map((c) => c.phone)).toEqual([
      '+13018040009',
      '+19842068287',
      '+15512459377',
      '+13018040009',
    ]);
    // The webhook URL handed out carries a token under PUBLIC_URL (here the server's own URL).
    expect(app.webhook.calls()[0]!.webhookUrl).toMatch(
      new RegExp(`^${app.url}/webhooks/dialer/[A-Za-z0-9_-]{32}$`),
    );

    const again = await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'conflict', details: { state: 'done' } });
  });

  it('answers 409 while running', async () => {
    app = await startTestApp({ stepMs: 200 });
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const again = await api(`${app.url}/api/dialer/start`, { method: 'POST', body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.details.state).toBe('running');
  });

  it('records each dialed call in the history of both parties', async () => {
    app = await startTestApp();
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    const items = await eventually(async () => {
      const res = await api(`${app!.url}/api/calls/13018040009`);
      const done = res.json.items.filter((i: { type: string }) => i.type.startsWith('Completed'));
      return done.length === 2 ? res.json.items : undefined;
    });
    expect(items).toEqual([
      expect.objectContaining({ counterparty: '+14155550100', type: 'Completed Inbound' }),
      expect.objectContaining({ counterparty: '+14155550100', type: 'Completed Inbound' }),
    ]);
    const own = await eventually(async () => {
      const res = await api(`${app!.url}/api/calls/+14155550100`);
      const items: { type: string }[] = res.json.items;
      return items.length === 4 && items.every((i) => i.type === 'Completed Outbound')
        ? items
        : undefined;
    });
    expect(own).toHaveLength(4);
  });

  it('publishes dialer-entry and dialer events', async () => {
    app = await startTestApp();
    const stream = await openEvents(`${app.url}/api/events`);
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    await stream.until(() =>
      stream.events.some((e) => e.event === 'dialer' && JSON.parse(e.data).state === 'done'),
    );
    const entries = stream.events
      .filter((e) => e.event === 'dialer-entry')
      .map((e) => JSON.parse(e.data));
    const first = entries.filter((e) => e.index === 0).map((e) => e.status);
    expect(first).toEqual(['dialing', 'initiated', 'ringing', 'answered', 'completed']);
    expect(entries[0]).toEqual({
      index: 0,
      phone: '+13018040009',
      status: 'dialing',
      previous: 'idle',
      call_id: null,
      attempt: 1,
      provider_status: null,
      at: expect.any(String),
    });
    stream.close();
  });

  it('answers 400 for a body with fields', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/dialer/start`, { method: 'POST', body: { now: true } });
    expect(res.status).toBe(400);
    expect((await api(`${app.url}/api/dialer`)).json.state).toBe('idle');
  });

  it('uses WEBHOOK_TOKEN when set', async () => {
    app = await startTestApp({ env: { WEBHOOK_TOKEN: 'fixed-token-0123456789' } });
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    await eventually(() => app!.webhook.calls().length > 0);
    expect(app.webhook.calls()[0]!.webhookUrl).toBe(
      `${app.url}/webhooks/dialer/fixed-token-0123456789`,
    );
  });
});

/** A memory store that outlives the apps started over it, as a database outlives a process. */
function lastingStore(): Store {
  const store = memoryStore();
  return new Proxy(store, {
    get: (target, key) => (key === 'close' ? async () => {} : Reflect.get(target, key)),
  });
}

const CALLER = '+14155550100';
type Item = { type: string };
const types = async (url: string) =>
  ((await api(`${url}/api/calls/${CALLER}`)).json.items as Item[]).map((i) => i.type);

describe('a dialer run cut short by a crash', () => {
  it('shows its calls as of unknown outcome after a restart, and dials the list again only when told', async () => {
    const store = lastingStore();
    // Slow calls: the process dies while they ring.
    app = await startTestApp({ store, stepMs: 5_000 });
    const crashed = app;
    expect((await api(`${crashed.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    // On record as soon as the POST left, and shown in progress, never as missed.
    await eventually(async () => {
      const now = await types(crashed.url);
      return now.length === 2 && now.every((t) => t === 'In progress Outbound') ? true : undefined;
    });
    // The crash: nothing more reaches that process, and nothing of it runs again.
    await crashed.webhook.close();

    app = await startTestApp({ store });
    const restarted = app;
    const dialer = (await api(`${restarted.url}/api/dialer`)).json;
    expect(dialer.state).toBe('idle');
    expect(dialer.interrupted_run).toEqual({
      run_id: expect.stringMatching(/-of4$/),
      started_at: expect.any(String),
      total: 4,
      entries: [
        expect.objectContaining({
          index: 0,
          phone: '+13018040009',
          status: 'failed',
          call_id: null,
          outcome_unknown: true,
        }),
        expect.objectContaining({
          index: 1,
          phone: '+19842068287',
          status: 'failed',
          call_id: null,
          outcome_unknown: true,
        }),
      ],
    });
    // The calls may have rung: history says their outcome is unknown, it does not lose them.
    expect(await types(restarted.url)).toEqual(['Unknown Outbound', 'Unknown Outbound']);

    // Start alone does not dial the interrupted run's numbers again.
    const refused = await api(`${restarted.url}/api/dialer/start`, { method: 'POST', body: {} });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: 'interrupted_run',
      message: expect.stringContaining('"restart": true'),
    });
    expect(restarted.webhook.calls()).toEqual([]);
    await crashed.close();

    // Another restart before anyone chose: the run is still shown (two numbers were never
    // reached), and still refused.
    await restarted.close();
    app = await startTestApp({ store });
    const again = app;
    expect((await api(`${again.url}/api/dialer`)).json.interrupted_run).toMatchObject({
      total: 4,
      entries: [{ index: 0 }, { index: 1 }],
    });
    expect((await api(`${again.url}/api/dialer/start`, { method: 'POST' })).status).toBe(409);

    const chosen = await api(`${again.url}/api/dialer/start`, {
      method: 'POST',
      body: { restart: true },
    });
    expect(chosen.status).toBe(202);
    expect(chosen.json.interrupted_run).toBeNull();
    await eventually(async () => (await api(`${again.url}/api/dialer`)).json.state === 'done');
    expect(again.webhook.calls()).toHaveLength(4);
    await eventually(async () =>
      (await types(again.url)).filter((t) => t === 'Completed Outbound').length === 4
        ? true
        : undefined,
    );
    await again.close();

    // A run seen to its end is not interrupted.
    app = await startTestApp({ store });
    expect((await api(`${app.url}/api/dialer`)).json.interrupted_run).toBeNull();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
  });

  it('shows a run that a shutdown cut short, from the records of the configured store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-dialer-restart-'));
    try {
      const env = { DATA_DIR: dataDir };
      app = await startTestApp({ env, configuredStore: true, stepMs: 2_000 });
      expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
      await eventually(async () => ((await types(app!.url)).length === 2 ? true : undefined));
      await app.close();

      app = await startTestApp({ env, configuredStore: true });
      const { json } = await api(`${app.url}/api/dialer`);
      expect(json.interrupted_run).toMatchObject({
        total: 4,
        entries: [
          { index: 0, phone: '+13018040009' },
          { index: 1, phone: '+19842068287' },
        ],
      });
      expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(409);
      expect(app.webhook.calls()).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a dialer call whose POST got no clear answer', () => {
  it('is on record as of unknown outcome, then with its real end when its webhooks tell it', async () => {
    // The provider dials, but a gateway in front of it answers 504.
    const provider = await startCallApiSimulator({ flavour: 'webhook', port: 0, stepMs: 300 });
    const gateway = await startFaultGateway({
      target: provider.url,
      fault: { status: 504, afterMs: 20 },
    });
    try {
      app = await startTestApp({
        env: {
          DIALER_API_URL: gateway.url,
          DIALER_NUMBERS: '13018040009,19842068287',
          DIALER_CONCURRENCY: '1',
        },
      });
      const url = app.url;
      await api(`${url}/api/dialer/start`, { method: 'POST' });
      // Its slot is held while the call may ring: the second number waits.
      const first = await eventually(async () => {
        const { json } = await api(`${url}/api/dialer`);
        return json.entries[0].in_doubt ? json : undefined;
      });
      expect(first.entries[0]).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
      expect(first.entries[1].status).toBe('idle');
      expect(await types(url)).toEqual(['Unknown Outbound']);

      const done = await eventually(async () => {
        const { json } = await api(`${url}/api/dialer`);
        return json.state === 'done' ? json : undefined;
      });
      // The only call in doubt: the webhook of an id no POST claimed was its own.
      expect(done.entries.map((e: { status: string }) => e.status)).toEqual([
        'completed',
        'completed',
      ]);
      expect(done.entries[0].call_id).not.toBeNull();
      expect(done.entries[0].answered_at).not.toBeNull();
      expect(provider.calls()).toHaveLength(2); // each number called once
      const items = await eventually(async () => {
        const { json } = await api(`${url}/api/calls/${CALLER}`);
        const all = json.items as { type: string; duration: number | null }[];
        return all.every((i) => i.type === 'Completed Outbound') ? all : undefined;
      });
      expect(items).toHaveLength(2);
      expect(items!.every((i) => typeof i.duration === 'number')).toBe(true);
    } finally {
      await gateway.close();
      await provider.close();
    }
  });
});

describe('POST /webhooks/dialer/:token', () => {
  it('answers 404 for any token before the start and for a wrong token after', async () => {
    app = await startTestApp({ env: { WEBHOOK_TOKEN: 'fixed-token-0123456789' }, stepMs: 500 });
    const hook = (token: string, raw: string) =>
      api(`${app!.url}/webhooks/dialer/${token}`, { method: 'POST', raw });
    expect((await hook('fixed-token-0123456789', '{"id":1,"status":"ringing"}')).status).toBe(404);
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    const wrong = await hook('fixed-token-0123456780', 'not json at all');
    expect(wrong.status).toBe(404);
    expect(wrong.json.error.code).toBe('not_found');
  });

  it('answers 400 for a malformed body with the right token, 204 for a valid one', async () => {
    app = await startTestApp({ env: { WEBHOOK_TOKEN: 'fixed-token-0123456789' }, stepMs: 500 });
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    const url = `${app.url}/webhooks/dialer/fixed-token-0123456789`;
    expect((await api(url, { method: 'POST', raw: '{"id":' })).status).toBe(400);
    expect((await api(url, { method: 'POST', raw: '{"status":"ringing"}' })).status).toBe(400);
    expect((await api(url, { method: 'POST', raw: '{"id":1,"status":"dancing"}' })).status).toBe(
      400,
    );
    expect((await api(url, { method: 'POST', raw: 'x'.repeat(20_000) })).status).toBe(413);
    const unknownCall = await api(url, { method: 'POST', raw: '{"id":999999,"status":"ringing"}' });
    expect(unknownCall.status).toBe(204);
  });

  it('refuses a status the provider never sends, and a percent-encoded token, changing nothing', async () => {
    app = await startTestApp({ env: { WEBHOOK_TOKEN: 'fixed-token-0123456789' }, stepMs: 2_000 });
    await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    type Entry = { index: number; call_id: string | null; status: string };
    const answered = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return (json.entries as Entry[]).find((e) => e.call_id !== null);
    }))!;
    const url = `${app.url}/webhooks/dialer/fixed-token-0123456789`;
    for (const status of ['canceled', 'queued']) {
      const res = await api(url, {
        method: 'POST',
        raw: JSON.stringify({ id: Number(answered.call_id), status }),
      });
      expect(res.status).toBe(400);
      expect(res.json.error.details).toBe('unexpected_status');
    }
    const encoded = `%66ixed-token-0123456789`; // "f" percent-encoded
    const forged = await api(`${app.url}/webhooks/dialer/${encoded}`, {
      method: 'POST',
      raw: JSON.stringify({ id: Number(answered.call_id), status: 'completed' }),
    });
    expect(forged.status).toBe(404);
    const { json } = await api(`${app.url}/api/dialer`);
    expect(json.entries[answered.index].status).not.toMatch(/^(canceled|completed)$/);
    expect(json.counts.canceled).toBeUndefined();
  });
});
