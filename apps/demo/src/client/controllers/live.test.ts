import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** The page's shared stream, stood in for: the test sends its events and its openings. */
const stream = vi.hoisted(() => ({
  listeners: new Map<string, Set<(data: unknown) => void>>(),
  openers: new Set<() => void>(),
  send(name: string, data?: unknown) {
    for (const listener of this.listeners.get(name) ?? []) listener(data);
  },
  open() {
    for (const opener of this.openers) opener();
  },
}));

vi.mock('../live.js', () => ({
  subscribe: (_url: string, name: string, listener: (data: unknown) => void) => {
    const set = stream.listeners.get(name) ?? new Set();
    stream.listeners.set(name, set);
    set.add(listener);
    return () => set.delete(listener);
  },
  onStreamOpen: (_url: string, opener: () => void) => {
    stream.openers.add(opener);
    return () => stream.openers.delete(opener);
  },
}));

const { LiveController, upsertNewest } = await import('./live.js');

/** A load the test ends by hand, with the state it read. */
interface HeldLoad {
  end: () => void;
  fail: (error: Error) => void;
}

/**
 * An element's state: what its loads and its events set, in the order they are applied. Each
 * load answers, when the test ends it, with the server's state as it was when the load began.
 */
function harness() {
  let server = 'v0';
  let shown = '';
  const applied: string[] = [];
  const loads: HeldLoad[] = [];
  const controllers: ReactiveController[] = [];
  const host = { addController: (c: ReactiveController) => controllers.push(c) };
  const live = new LiveController(host as unknown as ReactiveControllerHost, {
    base: () => '',
    load: () => {
      const read = server;
      return new Promise<void>((resolve, reject) => {
        loads.push({
          end: () => {
            shown = read;
            applied.push(`load ${read}`);
            resolve();
          },
          fail: reject,
        });
      });
    },
    events: {
      state: (data) => {
        shown = data as string;
        applied.push(`event ${String(data)}`);
      },
    },
  });
  return {
    live,
    loads,
    applied,
    connect: () => controllers[0]!.hostConnected!(),
    disconnect: () => controllers[0]!.hostDisconnected!(),
    /** The server moves on and tells the stream. */
    change(to: string) {
      server = to;
      stream.send('state', to);
    },
    shown: () => shown,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  stream.listeners.clear();
  stream.openers.clear();
});

describe('LiveController', () => {
  it('loads once on connect and applies events at once when no load is under way', async () => {
    const h = harness();
    h.connect();
    expect(h.loads).toHaveLength(1);
    h.loads[0]!.end();
    await settle();
    h.change('v1');
    expect(h.shown()).toBe('v1');
    expect(h.applied).toEqual(['load v0', 'event v1']);
  });

  it('holds an event that arrives during a load back until the load has ended', async () => {
    const h = harness();
    h.connect();
    h.change('v1');
    expect(h.applied).toEqual([]);
    h.loads[0]!.end();
    await settle();
    expect(h.applied).toEqual(['load v0', 'event v1']);
    expect(h.shown()).toBe('v1');
  });

  it('never lets a load that began before an event overwrite it: the connect load and the stream-open reload', async () => {
    const h = harness();
    h.connect();
    h.live.reload(); // the stream opened while the first load was under way
    expect(h.loads).toHaveLength(1); // the second waits for the first
    h.loads[0]!.end();
    await settle();
    expect(h.loads).toHaveLength(2);
    // The server moves on while the second load is under way, after it has read.
    h.change('v1');
    h.loads[1]!.end();
    await settle();
    expect(h.shown()).toBe('v1');
    expect(h.applied).toEqual(['load v0', 'load v0', 'event v1']);
  });

  it('runs one load for every reload asked for while one is under way', async () => {
    const h = harness();
    h.connect();
    const asks = [h.live.reload(), h.live.reload(), h.live.reload()];
    h.loads[0]!.end();
    await settle();
    expect(h.loads).toHaveLength(2);
    h.change('v2');
    h.loads[1]!.end();
    await Promise.all(asks);
    expect(h.loads).toHaveLength(2);
    expect(h.applied).toEqual(['load v0', 'load v0', 'event v2']);
  });

  it('reloads when the stream opens and on resync, unless reloadOnOpen says no', async () => {
    const h = harness();
    h.connect();
    h.loads[0]!.end();
    await settle();
    stream.open();
    expect(h.loads).toHaveLength(2);
    h.loads[1]!.end();
    await settle();
    stream.send('resync');
    expect(h.loads).toHaveLength(3);
    h.loads[2]!.end();
    await settle();

    stream.openers.clear();
    let reopen = false;
    const controllers: ReactiveController[] = [];
    const load = vi.fn(async () => {});
    const host = { addController: (c: ReactiveController) => controllers.push(c) };
    new LiveController(host as unknown as ReactiveControllerHost, {
      base: () => '',
      load,
      loadOnConnect: false,
      reloadOnOpen: () => reopen,
    });
    controllers[0]!.hostConnected!();
    expect(load).not.toHaveBeenCalled();
    stream.open();
    expect(load).not.toHaveBeenCalled();
    reopen = true;
    stream.open();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('goes on after a failed load: the next one runs and the held events are applied', async () => {
    const h = harness();
    h.connect();
    const second = h.live.reload();
    h.change('v1');
    h.loads[0]!.fail(new Error('offline'));
    await settle();
    expect(h.applied).toEqual([]); // still held: a load is under way
    h.loads[1]!.end();
    await second;
    expect(h.applied).toEqual(['load v1', 'event v1']);
  });

  it('stops listening when the host disconnects', async () => {
    const h = harness();
    h.connect();
    h.loads[0]!.end();
    await settle();
    h.disconnect();
    h.change('v1');
    stream.open();
    expect(h.applied).toEqual(['load v0']);
    expect(h.loads).toHaveLength(1);
  });
});

describe('upsertNewest', () => {
  const a1 = { id: 'a', version: 1, v: 'one' };
  const a2 = { id: 'a', version: 2, v: 'two' };

  it('adds an unknown item and replaces an older version', () => {
    const once = upsertNewest(new Map(), a1);
    expect(once.get('a')).toBe(a1);
    expect(upsertNewest(once, a2).get('a')).toBe(a2);
  });

  it('keeps the same map for the same or an older version', () => {
    const items = new Map([['a', a2]]);
    expect(upsertNewest(items, a1)).toBe(items);
    expect(upsertNewest(items, { ...a2 })).toBe(items);
  });
});
