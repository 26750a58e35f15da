import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Dialer from '@ringkit/dialer';
import type { CallCenterOptions } from '@ringkit/dialer';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

/** The campaigns' options each `createCallCenter` of the app was given. */
const given = vi.hoisted(() => [] as NonNullable<CallCenterOptions['campaigns']>[]);
vi.mock('@ringkit/dialer', async (importOriginal) => {
  const dialer = await importOriginal<typeof Dialer>();
  return {
    ...dialer,
    createCallCenter: (options: CallCenterOptions) => {
      given.push(options.campaigns ?? {});
      return dialer.createCallCenter(options);
    },
  };
});

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  given.length = 0;
});

describe('FINISHED_ENTRIES_KEPT', () => {
  it('is the campaigns’ finishedEntriesKept: 50,000 unless set', async () => {
    app = await startTestApp();
    expect(given.map((o) => o.finishedEntriesKept)).toEqual([50_000]);
  });

  it('at 0 keeps no finished entry in memory, and a done campaign still serves every entry', async () => {
    app = await startTestApp({ env: { FINISHED_ENTRIES_KEPT: '0' } });
    expect(given.map((o) => o.finishedEntriesKept)).toEqual([0]);
    const url = app.url;
    const numbers = ['+13018040009', '+14155552671', '+19842068287'];
    const created = await api(`${url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'read-back', numbers },
    });
    expect(created.status).toBe(201);
    await eventually(
      async () => (await api(`${url}/api/campaigns/read-back`)).json.state === 'done',
    );
    const first = await api(`${url}/api/campaigns/read-back?limit=2`);
    const rest = await api(
      `${url}/api/campaigns/read-back?limit=2&cursor=${first.json.next_cursor}`,
    );
    const entries = [...first.json.entries, ...rest.json.entries];
    expect(entries.map((e: { phone: string }) => e.phone)).toEqual(numbers);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        status: 'completed',
        attempts: 1,
        call_id: expect.any(String),
      });
      expect(entry.started_at).toEqual(expect.any(String));
    }
    expect(rest.json.next_cursor).toBeNull();
  });
});
