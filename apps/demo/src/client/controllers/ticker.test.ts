import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickerController } from './ticker.js';

/** A host that counts the updates it is asked for. */
function host() {
  const controllers: ReactiveController[] = [];
  const requestUpdate = vi.fn();
  const target = {
    addController: (c: ReactiveController) => controllers.push(c),
    removeController: () => {},
    requestUpdate,
    updateComplete: Promise.resolve(true),
  } as unknown as ReactiveControllerHost;
  return { target, controllers, requestUpdate };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TickerController', () => {
  it('updates its host every second while there is something to count down to, and stops when the host leaves', () => {
    const { target, controllers, requestUpdate } = host();
    let wanted = true;
    new TickerController(target, () => wanted);
    expect(controllers).toHaveLength(1);
    controllers[0]!.hostConnected!();
    vi.advanceTimersByTime(3_000);
    expect(requestUpdate).toHaveBeenCalledTimes(3);
    // Nothing to count down to: no update.
    wanted = false;
    vi.advanceTimersByTime(5_000);
    expect(requestUpdate).toHaveBeenCalledTimes(3);
    wanted = true;
    vi.advanceTimersByTime(1_000);
    expect(requestUpdate).toHaveBeenCalledTimes(4);
    controllers[0]!.hostDisconnected!();
    vi.advanceTimersByTime(10_000);
    expect(requestUpdate).toHaveBeenCalledTimes(4);
  });
});
