import {
  callOptionsOf,
  checkCallOptions,
  isTerminal,
  type AnsweredBy,
  type CallOptionName,
  type CallProvider,
  type CallStatus,
  type Clock,
  type PlaceCallRequest,
  type ProviderCall,
} from '@ringkit/call-client';
import type { Store, StoredCallPatch, StoredCallUpdate } from '../src/store.js';

export interface FakeProviderOptions {
  clock: Clock;
  /** Polling (getCall) by default; `webhooks: true` makes a webhook-only provider. */
  webhooks?: boolean;
  /** The statuses a call goes through after `initiated`, one per poll. */
  script?: (to: string, n: number) => CallStatus[];
  /** The status `placeCall` answers with. @default 'initiated' */
  answer?: (to: string, n: number) => CallStatus;
  /** Runs inside `placeCall` before it answers; throw to fail the placement. */
  onPlace?: (to: string, n: number) => Promise<void> | void;
  /**
   * Gives the provider `cancelCall`, which cancels a call not answered yet (`canceled`) and
   * leaves an answered or ended one as it is, as Twilio's `Status=canceled` does.
   */
  cancelable?: boolean;
  /** Runs inside `cancelCall` before the provider decides; throw to fail it. */
  onCancel?: (id: string) => Promise<void> | void;
  /**
   * The call options it honours (`capabilities.options`); it refuses others as a client does.
   * @default [] (none, as the practice APIs)
   */
  options?: CallOptionName[];
  /** Who answered, as `placeCall` and `getCall` report it. @default undefined (not detected) */
  answeredBy?: (to: string, n: number) => AnsweredBy | undefined;
}

export interface FakeProvider extends CallProvider {
  placed: { to: string; at: number; id: string }[];
  /** Every `placeCall` request, as given (refused ones too). */
  requests: PlaceCallRequest[];
  /** The ids `cancelCall` canceled, in order. */
  hungUp: string[];
  /** Sets the status a call is at now (as its webhooks tell), for `cancelCall` to find. */
  setStatus(id: string, status: CallStatus): void;
  inFlight: number;
  maxInFlight: number;
}

/** A scripted in-process provider for tests. */
export function fakeProvider(options: FakeProviderOptions): FakeProvider {
  const scripts = new Map<string, CallStatus[]>();
  /** The status each call was last reported with. */
  const current = new Map<string, CallStatus>();
  /** Who answered each call, where `answeredBy` said. */
  const detected = new Map<string, AnsweredBy>();
  let count = 0;
  const provider: FakeProvider = {
    name: 'fake',
    capabilities: {
      polling: !options.webhooks,
      webhooks: Boolean(options.webhooks),
      options: options.options ?? [],
    },
    placed: [],
    requests: [],
    hungUp: [],
    setStatus: (id, status) => void current.set(id, status),
    inFlight: 0,
    maxInFlight: 0,
    async placeCall(request): Promise<ProviderCall> {
      provider.requests.push(request);
      checkCallOptions(provider, callOptionsOf(request));
      const { to } = request;
      const n = count++;
      const at = options.clock.now();
      provider.inFlight += 1;
      provider.maxInFlight = Math.max(provider.maxInFlight, provider.inFlight);
      try {
        await options.onPlace?.(to, n);
      } finally {
        provider.inFlight -= 1;
      }
      const id = `p${n}`;
      provider.placed.push({ to, at, id });
      scripts.set(id, [...(options.script?.(to, n) ?? ['ringing', 'answered', 'completed'])]);
      const status = options.answer?.(to, n) ?? 'initiated';
      current.set(id, status);
      const answeredBy = options.answeredBy?.(to, n);
      if (answeredBy !== undefined) detected.set(id, answeredBy);
      return { id, status, providerStatus: status, raw: {}, ...(answeredBy && { answeredBy }) };
    },
  };
  if (!options.webhooks) {
    provider.getCall = async (id) => {
      const script = scripts.get(id) ?? [];
      const status = script.length > 1 ? script.shift()! : (script[0] ?? 'initiated');
      current.set(id, status);
      const answeredBy = detected.get(id);
      return { id, status, providerStatus: status, raw: {}, ...(answeredBy && { answeredBy }) };
    };
  }
  if (options.cancelable) {
    provider.cancelCall = async (id) => {
      await options.onCancel?.(id);
      const was = current.get(id) ?? 'initiated';
      if (isTerminal(was) || was === 'answered') {
        return { id, status: was, providerStatus: was, raw: {} };
      }
      provider.hungUp.push(id);
      current.set(id, 'canceled');
      scripts.set(id, ['canceled']);
      return { id, status: 'canceled', providerStatus: 'canceled', raw: {} };
    };
  }
  return provider;
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `inner`, counting the calls made to each of its methods and keeping every patch written. */
export function countingStore(inner: Store) {
  const counts: Record<string, number> = {};
  /** Each `update`'s patch, and each batch of `updateMany` patches. */
  const writes: StoredCallPatch[][] = [];
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        counts[key] = (counts[key] ?? 0) + 1;
        if (key === 'update') writes.push([args[2] as StoredCallPatch]);
        if (key === 'updateMany') writes.push((args[0] as StoredCallUpdate[]).map((u) => u.patch));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    counts,
    writes,
    /** Forgets what was counted so far. */
    reset() {
      for (const key of Object.keys(counts)) delete counts[key];
      writes.length = 0;
    },
  };
}
