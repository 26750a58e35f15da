import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { DEMO_HISTORY: '1' } });
  const { scheduler } = app.server.runtime;
  await scheduler.recordCall({
    id: 'r-1',
    from: '+14155550100',
    to: '+16505550111',
    status: 'completed',
    startedAt: '2024-05-01T10:00:00Z',
    answeredAt: '2024-05-01T10:00:05Z',
    endedAt: '2024-05-01T10:02:10Z',
  });
  await scheduler.recordCall({
    id: 'r-2',
    from: '+16505550111',
    to: '+14155550100',
    status: 'no-answer',
    startedAt: '2024-05-02T10:00:00Z',
    endedAt: '2024-05-02T10:00:30Z',
  });
});
afterAll(() => app.close());

describe('GET /api/calls/:phone', () => {
  it('lists a number’s calls newest first, typed from its side, with durations', async () => {
    const res = await api(`${app.url}/api/calls/(650)%20555-0111`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      app_number: '+14155550100',
      items: [
        {
          created_at: '2024-05-02T10:00:00.000Z',
          counterparty: '+14155550100',
          counterparty_is_app: true,
          type: 'Missed Outbound',
          duration: null,
          answered_by: null,
          recording_url: null,
        },
        {
          created_at: '2024-05-01T10:00:00.000Z',
          counterparty: '+14155550100',
          counterparty_is_app: true,
          type: 'Completed Inbound',
          duration: 125,
          answered_by: null,
          recording_url: null,
        },
      ],
      next_cursor: null,
    });
  });

  it('says which number is the app’s, and where a voicemail left for it is', async () => {
    await app.server.runtime.scheduler.recordCall({
      id: 'twilio:CA-voicemail',
      from: '+16505550222',
      to: '+14155550100',
      direction: 'inbound',
      status: 'no-answer',
      // Later than the seeded demo history, so first in the app's own.
      startedAt: '2099-05-03T10:00:00Z',
      endedAt: '2099-05-03T10:00:40Z',
      recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      recordingDurationS: 12,
    });
    const res = await api(`${app.url}/api/calls/%2B14155550100?limit=1`);
    expect(res.json.app_number).toBe('+14155550100');
    expect(res.json.items).toEqual([
      {
        created_at: '2099-05-03T10:00:00.000Z',
        counterparty: '+16505550222',
        counterparty_is_app: false,
        type: 'Missed Inbound',
        duration: null,
        answered_by: null,
        recording_url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      },
    ]);
    const caller = await api(`${app.url}/api/calls/%2B16505550222`);
    expect(caller.json.items).toEqual([
      expect.objectContaining({
        counterparty: '+14155550100',
        counterparty_is_app: true,
        type: 'Missed Outbound',
      }),
    ]);
  });

  it('pages with limit and cursor through the seeded demo history', async () => {
    const first = await api(`${app.url}/api/calls/13018040009?limit=5`);
    expect(first.json.items).toHaveLength(5);
    const second = await api(
      `${app.url}/api/calls/13018040009?limit=5&cursor=${first.json.next_cursor}`,
    );
    expect(second.json.items).toHaveLength(5);
    const times = [...first.json.items, ...second.json.items].map(
      (i: { created_at: string }) => i.created_at,
    );
    expect(times).toEqual([...times].sort().reverse());
    const types = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { json: { items: { type: string }[]; next_cursor: string | null } } = await api(
        `${app.url}/api/calls/13018040009?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const item of page.json.items) types.add(item.type);
      cursor = page.json.next_cursor;
    } while (cursor);
    expect([...types].sort()).toEqual([
      'Completed Inbound',
      'Completed Outbound',
      'Missed Inbound',
      'Missed Outbound',
    ]);
  });

  it('answers an empty page for a valid number without calls', async () => {
    const res = await api(`${app.url}/api/calls/+442079460958`);
    expect(res.json).toEqual({ app_number: '+14155550100', items: [], next_cursor: null });
  });

  it.each([
    ['an invalid number', '/api/calls/12345'],
    ['letters', '/api/calls/call-me'],
    ['a limit over 100', '/api/calls/13018040009?limit=101'],
    ['a bad cursor', '/api/calls/13018040009?cursor=abc'],
    ['an unknown parameter', '/api/calls/13018040009?type=missed'],
  ])('answers 400 for %s', async (_name, path) => {
    const res = await api(`${app.url}${path}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
  });
});
