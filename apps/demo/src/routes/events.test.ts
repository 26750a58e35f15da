import { afterEach, describe, expect, it } from 'vitest';
import { api, openEvents, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const schedule = (url: string, at = new Date(Date.now() + 3_600_000)) =>
  api(`${url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number: '+14155552671', scheduled_time: at.toISOString() },
  });

describe('GET /api/events', () => {
  it('streams every status change of a scheduled call, each with an id', async () => {
    app = await startTestApp();
    const stream = await openEvents(`${app.url}/api/events`);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { json: call } = await schedule(app.url, new Date());
    await stream.until(() =>
      stream.events.some(
        (e) => e.event === 'scheduled-call' && JSON.parse(e.data).status === 'completed',
      ),
    );
    const statuses = stream.events
      .filter((e) => e.event === 'scheduled-call' && JSON.parse(e.data).id === call.id)
      .map((e) => JSON.parse(e.data).status);
    // Polling may miss a short step; what arrives is in lifecycle order, from scheduled to completed.
    const order = ['scheduled', 'queued', 'initiated', 'ringing', 'answered', 'completed'];
    expect(statuses.slice(0, 3)).toEqual(['scheduled', 'queued', 'initiated']);
    expect(statuses.at(-1)).toBe('completed');
    expect(statuses.map((s) => order.indexOf(s))).toEqual(
      [...statuses.map((s) => order.indexOf(s))].sort((a, b) => a - b),
    );
    expect(stream.events.every((e) => /^[0-9a-f]{8}-\d+$/.test(e.id ?? ''))).toBe(true);
    await stream.until(() => stream.events.some((e) => e.event === 'history'));
    stream.close();
  });

  it('replays what a client missed after its Last-Event-ID', async () => {
    app = await startTestApp();
    const first = await openEvents(`${app.url}/api/events`);
    await schedule(app.url);
    await schedule(app.url);
    await schedule(app.url);
    await first.until(() => first.events.length === 3);
    first.close();
    const again = await openEvents(`${app.url}/api/events`, {
      'Last-Event-ID': first.events[0]!.id!,
    });
    await again.until(() => again.events.length === 2);
    expect(again.events.map((e) => e.id)).toEqual(first.events.slice(1).map((e) => e.id));
    const byQuery = await openEvents(`${app.url}/api/events?last_event_id=${first.events[1]!.id!}`);
    await byQuery.until(() => byQuery.events.length === 1);
    expect(byQuery.events[0]!.id).toBe(first.events[2]!.id);
    again.close();
    byQuery.close();
  });

  it('tells a client with an id from another run to resync', async () => {
    app = await startTestApp();
    const stream = await openEvents(`${app.url}/api/events`, { 'Last-Event-ID': 'deadbeef-12' });
    await stream.until(() => stream.events.some((e) => e.event === 'resync'));
    stream.close();
  });

  it('sends a heartbeat comment', async () => {
    app = await startTestApp({ heartbeatMs: 30 });
    const stream = await openEvents(`${app.url}/api/events`);
    await stream.until(() => stream.comments.includes('heartbeat'));
    stream.close();
  });

  it('ends open streams on shutdown', async () => {
    app = await startTestApp();
    const stream = await openEvents(`${app.url}/api/events`);
    await stream.until(() => stream.comments.includes('connected'));
    await app.close();
    app = undefined;
    await stream.until(() => stream.ended);
  });

  it('answers 400 for an unknown query parameter', async () => {
    app = await startTestApp();
    expect((await api(`${app.url}/api/events?since=0`)).status).toBe(400);
  });
});
