import { describe, expect, it } from 'vitest';
import { createEventHub } from './event-hub.js';
import { api, openEvents } from './_test-utils.js';
import express from 'express';
import type { AddressInfo } from 'node:net';

async function serveHub(hub: ReturnType<typeof createEventHub>) {
  const app = express();
  app.get('/events', (req, res) => hub.serve(req, res, req.get('last-event-id')));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('createEventHub', () => {
  it('keeps only the last `capacity` events: an older Last-Event-ID gets resync', async () => {
    const hub = createEventHub({ capacity: 3 });
    const served = await serveHub(hub);
    const live = await openEvents(served.url);
    for (let i = 0; i < 5; i += 1) hub.publish('dialer', { i });
    await live.until(() => live.events.length === 5);
    const ids = live.events.map((e) => e.id!);

    const recent = await openEvents(served.url, { 'Last-Event-ID': ids[1]! });
    await recent.until(() => recent.events.length === 3);
    expect(recent.events.map((e) => JSON.parse(e.data).i)).toEqual([2, 3, 4]);

    const old = await openEvents(served.url, { 'Last-Event-ID': ids[0]! });
    await old.until(() => old.events.length === 1);
    expect(old.events[0]!.event).toBe('resync');

    const future = await openEvents(served.url, { 'Last-Event-ID': ids[4]!.replace(/\d+$/, '99') });
    await future.until(() => future.events.length === 1);
    expect(future.events[0]!.event).toBe('resync');

    expect(hub.size).toBe(4);
    hub.close();
    await live.until(() => live.ended);
    expect((await api(served.url)).status).toBe(503);
    for (const s of [recent, old, future]) s.close();
    await served.close();
  });
});
