/**
 * `GET /api/calls` and `GET /api/calls.csv`: every call of every number, newest first, filtered
 * (a campaign's calls by its name, checked as every route checks one);
 * a bad filter a 400 naming it, from the package's one check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

const APP = '+14155550100';
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  const { scheduler } = app.server.runtime;
  await scheduler.recordCall({
    id: 'r-1',
    from: APP,
    to: '+16505550111',
    status: 'completed',
    startedAt: '2024-05-01T10:00:00Z',
    answeredAt: '2024-05-01T10:00:05Z',
    endedAt: '2024-05-01T10:02:10Z',
  });
  await scheduler.recordCall({
    id: 'r-2',
    from: APP,
    to: '+13018040009',
    status: 'busy',
    startedAt: '2024-05-02T10:00:00Z',
  });
  await scheduler.recordInbound({
    provider: 'twilio',
    callId: 'CA1',
    from: '+16505550111',
    to: APP,
    at: new Date('2024-05-03T10:00:00Z'),
    status: 'no-answer',
    providerStatus: 'completed',
    raw: {},
  });
  // A campaign entry's call, as the engine records it: named by its campaign.
  await app.server.runtime.store.saveCallRecord({
    id: 'e-1',
    from: APP,
    to: '+13018040009',
    direction: 'outbound',
    status: 'completed',
    startedAt: Date.parse('2024-04-30T10:00:00Z'),
    answeredAt: Date.parse('2024-04-30T10:00:04Z'),
    endedAt: Date.parse('2024-04-30T10:01:04Z'),
    durationS: 60,
    campaign: 'spring-2024',
  });
});
afterAll(() => app.close());

const ids = async (query: string) => {
  const res = await api(`${app.url}/api/calls${query}`);
  expect(res.status).toBe(200);
  return (res.json as { items: { id: string }[] }).items.map((item) => item.id);
};

describe('GET /api/calls', () => {
  it('lists every call of every number, newest first, a page at a time', async () => {
    const first = await api(`${app.url}/api/calls?limit=2`);
    expect(first.status).toBe(200);
    const body = first.json as { items: Record<string, unknown>[]; next_cursor: string };
    expect(body.items[0]).toEqual({
      id: 'twilio:CA1',
      from: '+16505550111',
      to: APP,
      direction: 'inbound',
      status: 'no-answer',
      outcome_unknown: false,
      started_at: '2024-05-03T10:00:00.000Z',
      answered_at: null,
      ended_at: '2024-05-03T10:00:00.000Z',
      duration: null,
      answered_by: null,
      recording_url: null,
      campaign: null,
    });
    expect(body.items.map((item) => item.id)).toEqual(['twilio:CA1', 'r-2']);
    expect(await ids(`?limit=2&cursor=${encodeURIComponent(body.next_cursor)}`)).toEqual([
      'r-1',
      'e-1',
    ]);
  });

  it('filters by direction, outcome, time, number and campaign', async () => {
    expect(await ids('?direction=inbound')).toEqual(['twilio:CA1']);
    expect(await ids('?outcome=missed')).toEqual(['twilio:CA1', 'r-2']);
    expect(await ids('?outcome=completed&direction=outbound')).toEqual(['r-1', 'e-1']);
    expect(await ids('?campaign=spring-2024')).toEqual(['e-1']);
    expect(await ids('?campaign=spring-2024&outcome=missed')).toEqual([]);
    expect(await ids('?campaign=autumn')).toEqual([]);
    const res = await api(`${app.url}/api/calls?campaign=spring-2024`);
    expect((res.json as { items: { campaign: string }[] }).items[0]!.campaign).toBe('spring-2024');
    expect(await ids('?since=2024-05-02T00:00:00Z&until=2024-05-03T00:00:00Z')).toEqual(['r-2']);
    expect(await ids(`?phone=${encodeURIComponent('(650) 555-0111')}`)).toEqual([
      'twilio:CA1',
      'r-1',
    ]);
  });

  it.each([
    ['?outcome=rang', 'outcome'],
    ['?direction=up', 'direction'],
    ['?since=yesterday', 'since'],
    ['?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z', 'until'],
    ['?phone=nobody', 'phone'],
    ['?cursor=nonsense', 'cursor'],
    ['?limit=101', 'limit'],
    ['?campaign=', 'campaign'],
    [`?campaign=${'x'.repeat(300)}`, 'campaign'],
    ['?campaign=a%2Fb', 'campaign'],
  ])('answers %s with a 400 that names what is wrong', async (query, path) => {
    const res = await api(`${app.url}/api/calls${query}`);
    expect(res.status).toBe(400);
    const error = (
      res.json as { error: { code: string; details: { issues: { path: unknown[] }[] } } }
    ).error;
    expect(error.code).toBe('invalid_request');
    expect(error.details.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('answers a filter it does not have with a 400 that names it', async () => {
    const res = await api(`${app.url}/api/calls?agent=ann`);
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(/agent/);
  });
});

describe('GET /api/calls.csv', () => {
  it('downloads every call the filters keep, as CSV with a header', async () => {
    const res = await fetch(`${app.url}/api/calls.csv?direction=outbound`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=calls.csv');
    const lines = (await res.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      'started_at,direction,from,to,status,outcome_unknown,answered_at,ended_at,duration,answered_by,recording_url,campaign,id',
    );
    expect(lines.slice(1).map((line) => line.split(',').at(-1))).toEqual(['r-2', 'r-1', 'e-1']);
    expect(lines.at(-1)!.split(',').at(-2)).toBe('spring-2024');
    expect(lines[2]).toContain('2024-05-01T10:00:00.000Z,outbound,+14155550100,+16505550111');
  });

  it('answers a bad filter with a JSON 400 before any CSV', async () => {
    const res = await api(`${app.url}/api/calls.csv?phone=nobody`);
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('invalid_request');
  });
});
