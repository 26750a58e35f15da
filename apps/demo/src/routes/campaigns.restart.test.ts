/**
 * A campaign across a restart of the server, on the configured SQLite files: the next server on
 * the same DATA_DIR joins it and dials only what was not dialed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/call-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, freePort, startTestApp, type TestApp } from '../_test-utils.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377', '+14155552671', '+12025550123'];

let app: TestApp | undefined;
let simulators: CallApiSimulator[] = [];
let dataDir: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(simulators.map((s) => s.close()));
  simulators = [];
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('a campaign across a restart', () => {
  it('finishes on the next server with no number rung twice', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-campaign-restart-'));
    // The provider outlives the server, which comes back at the same address: a call in flight
    // at the restart reports its end to the next server.
    const polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
    const webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [150, 250],
    });
    simulators = [polling, webhook];
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    const start = () =>
      startTestApp({ env, configuredStore: true, simulators: { polling, webhook } });

    app = await start();
    const first = app;
    const created = await api(`${first.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'survivor', numbers: NUMBERS, concurrency: 2 },
    });
    expect(created.status).toBe(201);
    // Stopped mid-list: some numbers done, others ringing, the rest not dialed.
    await eventually(async () => {
      const { json } = await api(`${first.url}/api/campaigns/survivor`);
      return json.progress.completed >= 1 && json.progress.live >= 1;
    });
    await first.close();
    const before = webhook.calls().length;
    expect(before).toBeLessThan(NUMBERS.length);

    app = await start();
    const next = app;
    // Joined at start, without being asked.
    const done = await eventually(async () => {
      const { json } = await api(`${next.url}/api/campaigns/survivor`);
      return json.state === 'done' ? json : undefined;
    });
    expect(done.progress).toEqual({
      dialed: 5,
      live: 0,
      completed: 5,
      missed: 0,
      unknown: 0,
      canceled: 0,
    });
    // The practice API's placements: each number once, in list order.
    expect(webhook.calls().map((c) => c.phone)).toEqual(NUMBERS);
    expect(webhook.calls().length).toBeGreaterThan(before);

    // Listed after one more restart as it ended, without a worker.
    await next.close();
    app = await start();
    const { json } = await api(`${app.url}/api/campaigns`);
    expect(json.items).toEqual([
      expect.objectContaining({ id: 'survivor', state: 'done', progress: done.progress }),
    ]);
    expect(webhook.calls()).toHaveLength(NUMBERS.length);
  });
});
