import { describe, expect, it } from 'vitest';
import { createEventHub, createStreamLimits } from './event-hub.js';
import { createObserver } from './observe.js';
import { createOpsSampler } from './ops.js';
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

describe('createStreamLimits', () => {
  it('is one budget for the hubs that share it, in all and per client', async () => {
    const limits = createStreamLimits(2, 1);
    expect(limits.take('a')).toBeNull();
    expect(limits.take('a')).toBe('1 from one client');
    expect(limits.take('b')).toBeNull();
    expect(limits.take('c')).toBe('2');
    expect(limits.open).toBe(2);
    limits.release('a');
    expect(limits.take('c')).toBeNull();

    const shared = createStreamLimits(1, 1);
    const [one, two] = [createEventHub({ limits: shared }), createEventHub({ limits: shared })];
    const [servedOne, servedTwo] = [await serveHub(one), await serveHub(two)];
    const first = await openEvents(servedOne.url);
    const refused = await api(servedTwo.url);
    expect(refused.status).toBe(503);
    first.close();
    await first.until(() => first.ended).catch(() => {});
    await expect.poll(() => shared.open).toBe(0);
    const second = await openEvents(servedTwo.url);
    expect(second.response.status).toBe(200);
    second.close();
    for (const hub of [one, two]) hub.close();
    await Promise.all([servedOne.close(), servedTwo.close()]);
  });
});

describe('createOpsSampler, served', () => {
  it('ends its open streams and refuses new ones once closed', async () => {
    const observer = createObserver({
      counts: () => Promise.reject(new Error('not used')),
      dialerInFlight: () => 0,
      onListenerError: () => {},
    });
    const sampler = createOpsSampler(
      { ...observer, inFlight: () => Promise.resolve({ scheduler: 0, dialer: 0 }) },
      { intervalMs: 20 },
    );
    const app = express();
    app.get('/events', (req, res) => sampler.serve(req, res, undefined));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    const stream = await openEvents(url);
    await stream.until(() => stream.events.length > 0);
    sampler.close();
    await expect.poll(() => stream.ended).toBe(true);
    expect((await api(url)).status).toBe(503);
    await new Promise((resolve) => server.close(resolve));
  });
});
