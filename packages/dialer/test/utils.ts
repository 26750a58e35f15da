import type { CallStatus, CallStatusEvent, ProviderCall } from '@ringkit/call-client';
import type { FakeClock } from '@ringkit/call-client/testing';
import {
  createFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
} from '@ringkit/simulator';

/** The fake clock's start in the dialer's tests (an ordinary epoch time, not 0). */
export const T0 = 1_700_000_000_000;

/**
 * The dialer tests' provider: `createFakeProvider` of `@ringkit/simulator` with every request
 * answered by the test (`manual`), followed by webhooks unless `follow` says otherwise.
 */
export function manualProvider(options: FakeProviderOptions = {}): FakeProvider {
  return createFakeProvider({ manual: true, follow: 'webhooks', ...options });
}

/** A status event as `parseStatusWebhook` returns it. */
export function statusEvent(callId: string, status: CallStatus): CallStatusEvent {
  return { callId, status, providerStatus: status, at: new Date(0) };
}

/** A provider call as `getCall` answers it. */
export function providerCall(id: string, status: CallStatus): ProviderCall {
  return { id, status, providerStatus: status, raw: { id, status } };
}

/** Lets pending promise callbacks (and anything they chain) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Lets what the dialer was told run until it waits on something outside (a POST, a webhook, a
 * timer not due yet): the fake clock's timers due now, then pending promise callbacks.
 */
export async function settle(clock?: FakeClock): Promise<void> {
  await clock?.flush();
  await flush();
}

/**
 * Resolves once `check()` passes (within 5 s), letting the fake clock's due timers and the
 * store's I/O run between tries.
 */
export async function eventually(
  clock: FakeClock | null,
  check: () => Promise<void> | void,
): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    await clock?.flush();
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
