import type {
  CallProvider,
  CallStatus,
  CallStatusEvent,
  Clock,
  ProviderCall,
} from '@ringkit/call-client';

/** A clock whose time moves only when told; timers run synchronously inside `advance`. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, running every timer due on the way, in order. */
  advance(ms: number): void;
  /** Jumps to the next timer and runs it; `false` when none is set. */
  runNext(): boolean;
  /** Timers set and not yet run or cleared. */
  pending(): number;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, Timer>();

  const earliest = () => {
    let first: Timer | undefined;
    for (const timer of timers.values()) {
      if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) {
        first = timer;
      }
    }
    return first;
  };
  const run = (timer: Timer) => {
    timers.delete(timer.seq);
    now = Math.max(now, timer.at);
    timer.callback();
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      seq += 1;
      timers.set(seq, { at: now + Math.max(0, ms), seq, callback });
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (let timer = earliest(); timer && timer.at <= target; timer = earliest()) run(timer);
      now = target;
    },
    runNext() {
      const timer = earliest();
      if (!timer) return false;
      run(timer);
      return true;
    },
    pending: () => timers.size,
  };
}

/** One `placeCall` invocation of a {@link FakeProvider}, answered by the test. */
export interface PlacedCall {
  to: string;
  signal: AbortSignal | undefined;
  /** Answers the POST with this id (and status, `initiated` by default). */
  answer(id: string, status?: CallStatus, providerStatus?: string): void;
  /** Fails the POST. */
  fail(error: unknown): void;
}

export interface FakeProvider extends CallProvider {
  /** Every `placeCall` invocation, in order. */
  placed: PlacedCall[];
}

/**
 * A provider whose POSTs stay pending until the test answers them. Webhook flavour by default;
 * pass `getCall` to give it a status endpoint (and `polling: true` to be followed by polling).
 */
export function createFakeProvider(
  options: {
    polling?: boolean;
    getCall?: (id: string, options?: { signal?: AbortSignal }) => Promise<ProviderCall>;
  } = {},
): FakeProvider {
  const placed: PlacedCall[] = [];
  const provider: FakeProvider = {
    name: 'fake',
    capabilities: { polling: options.polling ?? false, webhooks: !options.polling },
    placed,
    placeCall({ to, signal }) {
      return new Promise<ProviderCall>((resolve, reject) => {
        placed.push({
          to,
          signal,
          answer: (id, status = 'initiated', providerStatus = status) =>
            resolve({ id, status, providerStatus, raw: { id } }),
          fail: reject,
        });
      });
    },
  };
  if (options.getCall) provider.getCall = options.getCall;
  return provider;
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
