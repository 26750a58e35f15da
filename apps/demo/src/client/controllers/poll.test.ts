import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollController, type Visibility } from './poll.js';

/** A host that keeps its controllers, and a page whose visibility the test sets. */
function setup(load: () => Promise<void>, intervalMs = 1000) {
  const controllers: ReactiveController[] = [];
  const host = {
    addController: (c: ReactiveController) => controllers.push(c),
    removeController: () => {},
    requestUpdate: () => {},
    updateComplete: Promise.resolve(true),
  } as unknown as ReactiveControllerHost;
  let hidden = false;
  const listeners = new Set<() => void>();
  const visibility: Visibility = {
    hidden: () => hidden,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const poll = new PollController(host, { load, intervalMs, visibility });
  return {
    poll,
    controller: controllers[0]!,
    listeners,
    setHidden(value: boolean) {
      hidden = value;
      for (const listener of listeners) listener();
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('PollController', () => {
  it('loads when the host connects, then a second after each load ends, until the host leaves', async () => {
    const load = vi.fn(async () => {});
    const { controller, listeners } = setup(load);
    controller.hostConnected!();
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(load).toHaveBeenCalledTimes(5);
    controller.hostDisconnected!();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).toHaveBeenCalledTimes(5);
    expect(listeners.size).toBe(0);
  });

  it('never overlaps loads: the next waits for a slow one to end', async () => {
    let calls = 0;
    let inFlight = 0;
    let most = 0;
    const load = vi.fn(async () => {
      calls += 1;
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      inFlight -= 1;
    });
    const { controller, poll } = setup(load);
    controller.hostConnected!();
    void poll.now();
    void poll.now();
    await vi.advanceTimersByTimeAsync(2500);
    // The two asks made during the first load share one load, right after it.
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(2500 + 1000 + 2500);
    expect(calls).toBe(3);
    expect(most).toBe(1);
    controller.hostDisconnected!();
  });

  it('stops while the page is hidden and loads at once when it is shown again', async () => {
    const load = vi.fn(async () => {});
    const { controller, setHidden } = setup(load);
    controller.hostConnected!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(2);
    setHidden(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(2);
    setHidden(false);
    expect(load).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(4);
    controller.hostDisconnected!();
  });

  it('goes on after a load that fails, and loads nothing for a host on a hidden page', async () => {
    const load = vi.fn(async () => {
      throw new Error('down');
    });
    const { controller, poll, setHidden } = setup(load);
    controller.hostConnected!();
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).toHaveBeenCalledTimes(3);
    setHidden(true);
    await poll.now();
    expect(load).toHaveBeenCalledTimes(3);
    controller.hostDisconnected!();
  });

  it('loads nothing before the host connects', async () => {
    const load = vi.fn(async () => {});
    const { poll } = setup(load);
    await poll.now();
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).not.toHaveBeenCalled();
  });
});
