/**
 * The dialer routes, end to end through HTTP against the simulator: start, the default campaign
 * across a restart, a changed list, a placement in doubt, and every bad body. One file because the cases share one server setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, startFaultGateway } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  freePort,
  openEvents,
  startTestApp,
  type TestApp,
} from '../_test-utils.js';

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
      campaign: null,
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
          answered_by: null,
          in_doubt: false,
          reason: null,
          attempts_by_outcome: {},
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
          answered_by: null,
          in_doubt: false,
          reason: null,
          attempts_by_outcome: {},
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
          answered_by: null,
          in_doubt: false,
          reason: null,
          attempts_by_outcome: {},
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
          answered_by: null,
          in_doubt: false,
          reason: null,
          attempts_by_outcome: {},
        },
      ],
    });
  });

  it('answers 400 for a query parameter', async () => {
    app = await startTestApp();
    expect((await api(`${app.url}/api/dialer?verbose=1`)).status).toBe(400);
  });
});

describe('POST /api/dialer/start', () => {
  it('answers 202, dials every number through webhooks to completed, then runs the list again as default-2', async () => {
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

    expect(done.campaign).toBe('default');

    // Once done, the list runs again as a new campaign; the first run stays as it ended.
    const again = await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ campaign: 'default-2', state: 'running', total: 4 });
    const refused = await api(`${app.url}/api/dialer/start`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: 'conflict',
      details: { campaign: 'default-2' },
    });
    const second = await eventually(async () => {
      const res = await api(`${app!.url}/api/dialer`);
      return res.json.state === 'done' ? res.json : undefined;
    });
    expect(second).toMatchObject({ campaign: 'default-2', counts: { completed: 4 } });
    expect(app.webhook.calls()).toHaveLength(8);
    const first = (await api(`${app.url}/api/campaigns/default`)).json;
    expect(first).toMatchObject({ state: 'done', progress: { completed: 4 } });
    // The runs' names are the dialer's: a campaign cannot take one.
    const taken = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'default-3', numbers: ['+13018040009'] },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('campaign_exists');
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
      campaign: 'default',
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

const CALLER = '+14155550100';

describe('the default campaign across a restart', () => {
  it(
    'is joined by the next server, which dials the numbers not reached, each number once',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-dialer-restart-'));
      // The provider outlives the server, and the server comes back at the same address: the
      // webhooks of the calls in flight at the restart reach the next server.
      const polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
      const webhook = await startCallApiSimulator({
        flavour: 'webhook',
        port: 0,
        stepMs: [150, 250],
      });
      const env = {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        DIALER_NUMBERS: '13018040009,19842068287,15512459377,14155552671,12025550123',
        DIALER_CONCURRENCY: '1',
        // A call whose last webhook came while no server listened (the simulator retries for a
        // moment only) ends at its timeout, `failed`, and is not placed again.
        DIALER_CALL_TIMEOUT_MS: '3000',
      };
      try {
        app = await startTestApp({ env, configuredStore: true, simulators: { polling, webhook } });
        const first = app;
        expect((await api(`${first.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
        // Stopped mid-list: a number done, the next one ringing.
        await eventually(async () => {
          const { json } = await api(`${first.url}/api/dialer`);
          return json.counts.completed === 1 && json.entries[1].status !== 'idle';
        });
        await first.close();
        const placedBefore = webhook.calls().length;
        expect(placedBefore).toBeLessThan(5);

        app = await startTestApp({ env, configuredStore: true, simulators: { polling, webhook } });
        const next = app;
        // An entry claimed as the first server stopped waits for that claim's lease (30 s).
        const done = await eventually(async () => {
          const { json } = await api(`${next.url}/api/dialer`);
          return json.state === 'done' ? json : undefined;
        }, 45_000);
        for (const entry of done.entries as { status: string; reason: string | null }[]) {
          expect(['completed', 'failed/timeout']).toContain(
            entry.status === 'failed' ? `failed/${entry.reason}` : entry.status,
          );
        }
        // Every number rang once: none of those placed before the restart was placed again.
        expect(webhook.calls().map((c) => c.phone)).toEqual([
          '+13018040009',
          '+19842068287',
          '+15512459377',
          '+14155552671',
          '+12025550123',
        ]);
        expect(done.campaign).toBe('default');
        // Each call is in the history, once, none left in progress.
        const own = await eventually(async () => {
          const { json } = await api(`${next.url}/api/calls/${CALLER}`);
          const types = (json.items as { type: string }[]).map((i) => i.type);
          return types.length === 5 && types.every((t) => /^(Completed|Missed) Outbound$/.test(t));
        });
        expect(own).toBe(true);
      } finally {
        await app?.close();
        app = undefined;
        await polling.close();
        await webhook.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  it('shows the stored run as it is when the list changed, and runs the new list as a new campaign', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-dialer-mismatch-'));
    try {
      const before = { DATA_DIR: dataDir, DIALER_NUMBERS: '13018040009,19842068287' };
      app = await startTestApp({ env: before, configuredStore: true });
      expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
      await eventually(async () => (await api(`${app!.url}/api/dialer`)).json.state === 'done');
      await app.close();

      const after = { DATA_DIR: dataDir, DIALER_NUMBERS: '13018040009,15512459377' };
      app = await startTestApp({ env: after, configuredStore: true });
      // The stored campaign is shown as it is.
      const { json } = await api(`${app.url}/api/dialer`);
      expect(json.entries.map((e: { phone: string }) => e.phone)).toEqual([
        '+13018040009',
        '+19842068287',
      ]);
      const started = await api(`${app.url}/api/dialer/start`, { method: 'POST' });
      expect(started.status).toBe(202);
      expect(started.json.campaign).toBe('default-2');
      expect(started.json.entries.map((e: { phone: string }) => e.phone)).toEqual([
        '+13018040009',
        '+15512459377',
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a dialer call whose POST got no clear answer', () => {
  it('ends as of unknown outcome, holds its place while it may ring, and is never placed again', async () => {
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
          DIALER_CALL_TIMEOUT_MS: '1500',
        },
      });
      const url = app.url;
      await api(`${url}/api/dialer/start`, { method: 'POST' });
      // Its place is held while the call may ring: the second number waits.
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
      expect(done.entries.map((e: { status: string }) => e.status)).toEqual(['failed', 'failed']);
      expect(done.entries.map((e: { reason: string }) => e.reason)).toEqual([
        'outcome_unknown',
        'outcome_unknown',
      ]);
      // Each number reached the provider once: a call that may have rung is not placed again.
      expect(provider.calls().map((c) => c.phone)).toEqual(['+13018040009', '+19842068287']);
    } finally {
      await gateway.close();
      await provider.close();
    }
  });
});

type Item = { type: string };
const types = async (url: string) =>
  ((await api(`${url}/api/calls/${CALLER}`)).json.items as Item[]).map((i) => i.type);

describe('POST /webhooks/dialer/:token', () => {
  it('answers 404 for a wrong token, and takes the right one before any campaign starts', async () => {
    app = await startTestApp({ env: { WEBHOOK_TOKEN: 'fixed-token-0123456789' }, stepMs: 500 });
    const hook = (token: string, raw: string) =>
      api(`${app!.url}/webhooks/dialer/${token}`, { method: 'POST', raw });
    // Campaigns outlive a start: a call of one placed before a restart may report at once.
    expect((await hook('fixed-token-0123456789', '{"id":1,"status":"ringing"}')).status).toBe(204);
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
