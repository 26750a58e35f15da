import {
  callOptionsOf,
  checkCallOptions,
  isTerminal,
  systemClock,
  type AnsweredBy,
  type CallOptionName,
  type CallProvider,
  type CallStatus,
  type Clock,
  type PlaceCallRequest,
  type ProviderCall,
} from '@ringkit/call-client';
import { fakeConnect, type FakeAbandonRequest, type FakeConnectRequest } from './_fake-connect.js';

export type { FakeAbandonRequest, FakeConnectRequest, FakeRequestState } from './_fake-connect.js';

/** How a fake provider's calls are followed. */
export type FakeProviderFollow = 'polling' | 'webhooks';

/** How a fake provider answers, and what it can do. */
export interface FakeProviderOptions {
  /** The provider's `name`. @default 'fake' */
  name?: string;
  /**
   * `'polling'`: `capabilities.polling`, and a `getCall` that walks each call's `script`.
   * `'webhooks'`: `capabilities.webhooks` and no `getCall` (unless `getCall` is given); the test
   * delivers the statuses. @default 'polling'
   */
  follow?: FakeProviderFollow;
  /**
   * Leaves every `placeCall`, `cancelCall`, `hangUpCall`, `connectCall` and `abandonCall`
   * pending until the test answers it through `placed`, `cancels`, `hangUps`, `connects` or
   * `abandons`. Otherwise the provider answers each at once (placements from its script).
   * @default false
   */
  manual?: boolean;
  /** The clock `at` is read from. @default systemClock */
  clock?: Clock;
  /**
   * The statuses call `n` (0, 1, … in placement order) goes through after placement, one per
   * `getCall`; the last one stays. @default ['ringing', 'answered', 'completed']
   */
  script?: (to: string, n: number) => readonly CallStatus[];
  /** The status an unattended `placeCall` answers with. @default 'initiated' */
  initialStatus?: (to: string, n: number) => CallStatus;
  /** Who answered, as an unattended `placeCall` and `getCall` report it. @default not detected */
  answeredBy?: (to: string, n: number) => AnsweredBy | undefined;
  /**
   * Runs inside `placeCall` after the request is recorded and before it is answered: await a gate
   * to hold placements in flight, throw to fail the placement.
   */
  onPlace?: (to: string, n: number) => Promise<void> | void;
  /** Replaces the scripted `getCall` (and gives a `'webhooks'` provider one). */
  getCall?: (id: string, options?: { signal?: AbortSignal }) => Promise<ProviderCall>;
  /**
   * Gives the provider `cancelCall`. Unattended, it cancels a call not answered yet and leaves an
   * answered or ended one as it is, as Twilio's `Status=canceled` does. @default false
   */
  cancelCall?: boolean;
  /**
   * Gives the provider `hangUpCall`. Unattended, it ends an answered call `completed`, one not
   * answered yet `canceled`, and leaves an ended one as it is. @default false
   */
  hangUpCall?: boolean;
  /** Runs inside `cancelCall` and `hangUpCall` before the provider decides; throw to fail them. */
  onCancel?: (id: string) => Promise<void> | void;
  /**
   * Gives the provider `connectCall`. Unattended, each is recorded in `connects` as asked and
   * resolves at once, unless `onConnect` throws. It moves no call: the test tells its statuses.
   * @default false
   */
  connectCall?: boolean;
  /**
   * Gives the provider `abandonCall`. Unattended, each is recorded in `abandons` as asked and
   * resolves at once, unless `onAbandon` throws. It moves no call: the test tells its statuses.
   * @default false
   */
  abandonCall?: boolean;
  /**
   * Runs inside `connectCall` before it resolves; throw to fail it (e.g. with the `HttpError`
   * of a call that has ended).
   */
  onConnect?: (request: FakeConnectRequest) => Promise<void> | void;
  /** Runs inside `abandonCall` before it resolves; throw to fail it. */
  onAbandon?: (request: FakeAbandonRequest) => Promise<void> | void;
  /**
   * The call options it honours (`capabilities.options`); `placeCall` refuses others, and invalid
   * values, with the errors a client throws (`UnsupportedCallOptionError`,
   * `InvalidOptionsError`). @default [] (none, as the practice APIs)
   */
  callOptions?: readonly CallOptionName[];
}

/** What a placement's answer may add to the id and status. */
export interface FakeAnswerDetails {
  /** The provider's own word for the status. @default the status */
  providerStatus?: string;
  /** Who answered. */
  answeredBy?: AnsweredBy;
}

/** One `placeCall` of a fake provider. */
export interface FakePlacement {
  /** Its place among the provider's placements: 0, 1, … */
  readonly n: number;
  readonly to: string;
  /** The whole request, as given. */
  readonly request: PlaceCallRequest;
  readonly signal: AbortSignal | undefined;
  /** When it was made, by the provider's clock. */
  readonly at: Date;
  /** The call's id, once the placement is answered. */
  readonly id: string | undefined;
  /** Where it stands: waiting for its answer, answered with a call, or failed. */
  readonly state: 'pending' | 'answered' | 'failed';
  /** Answers it with a call of this id (and status, `initiated` by default). */
  answer(id: string, status?: CallStatus, details?: FakeAnswerDetails): void;
  /** Fails it with this error. */
  fail(error: unknown): void;
}

/** One `cancelCall` or `hangUpCall` of a fake provider. */
export interface FakeEndRequest {
  /** The id of the call it asks to end. */
  readonly id: string;
  /** The call as the provider answered, once it has. */
  readonly result: ProviderCall | undefined;
  /**
   * Answers with the call as the provider reports it afterwards: by default `canceled` for a
   * `cancelCall`, `completed` for a `hangUpCall`.
   */
  answer(status?: CallStatus): void;
  /** Fails it with this error. */
  fail(error: unknown): void;
}

/** A `CallProvider` inside the test process that records every request it gets. */
export interface FakeProvider extends CallProvider {
  /** Every `placeCall`, in order, refused ones included. */
  readonly placed: readonly FakePlacement[];
  /** Every `cancelCall`, in order. */
  readonly cancels: readonly FakeEndRequest[];
  /** Every `hangUpCall`, in order. */
  readonly hangUps: readonly FakeEndRequest[];
  /** Every `connectCall`, in order. */
  readonly connects: readonly FakeConnectRequest[];
  /** Every `abandonCall`, in order. */
  readonly abandons: readonly FakeAbandonRequest[];
  /** The `placeCall`s under way now (not answered yet). */
  readonly inFlight: number;
  /** The most `placeCall`s under way at once so far. */
  readonly maxInFlight: number;
  /** The status a call is at now, as the provider last reported it. */
  statusOf(id: string): CallStatus | undefined;
  /**
   * Sets the status a call is at now, as its webhooks would tell, for the unattended
   * `cancelCall` and `hangUpCall` to decide from (the scripted `getCall` goes on with its script).
   */
  setStatus(id: string, status: CallStatus): void;
}

const DEFAULT_SCRIPT: readonly CallStatus[] = ['ringing', 'answered', 'completed'];

/**
 * A `CallProvider` for unit tests, with no HTTP: it records every request, and either answers
 * each from a script (the default: every call rings, is answered and completes, one status per
 * `getCall`) or, with `manual: true`, leaves each pending until the test answers or fails it.
 *
 * @example
 * const provider = createFakeProvider({ script: () => ['busy'] });
 * const call = await provider.placeCall({ to: '+14155552671' });
 * (await provider.getCall!(call.id)).status; // 'busy'
 */
export function createFakeProvider(options: FakeProviderOptions = {}): FakeProvider {
  const clock = options.clock ?? systemClock;
  const follow = options.follow ?? 'polling';
  const placed: FakePlacement[] = [];
  const cancels: FakeEndRequest[] = [];
  const hangUps: FakeEndRequest[] = [];
  const connects: FakeConnectRequest[] = [];
  const abandons: FakeAbandonRequest[] = [];
  /** What each call has left of its script. */
  const scripts = new Map<string, CallStatus[]>();
  /** The status each call was last reported with. */
  const current = new Map<string, CallStatus>();
  /** Who answered each call, where the answer said. */
  const detected = new Map<string, AnsweredBy>();
  let inFlight = 0;
  let maxInFlight = 0;

  const report = (id: string, status: CallStatus): ProviderCall => {
    const answeredBy = detected.get(id);
    return {
      id,
      status,
      providerStatus: status,
      raw: { id, status },
      ...(answeredBy && { answeredBy }),
    };
  };

  const provider: FakeProvider = {
    name: options.name ?? 'fake',
    capabilities: {
      polling: follow === 'polling',
      webhooks: follow === 'webhooks',
      options: options.callOptions ?? [],
    },
    placed,
    cancels,
    hangUps,
    connects,
    abandons,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    statusOf: (id) => current.get(id),
    setStatus: (id, status) => void current.set(id, status),
    placeCall(request) {
      const n = placed.length;
      const { to, signal } = request;
      let resolve!: (call: ProviderCall) => void;
      let reject!: (error: unknown) => void;
      const answered = new Promise<ProviderCall>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const placement: FakePlacement & { state: FakePlacement['state']; id: string | undefined } = {
        n,
        to,
        request,
        signal,
        at: new Date(clock.now()),
        id: undefined,
        state: 'pending',
        answer(id, status = 'initiated', details = {}) {
          if (placement.state !== 'pending') return;
          placement.state = 'answered';
          placement.id = id;
          inFlight -= 1;
          scripts.set(id, [...(options.script?.(to, n) ?? DEFAULT_SCRIPT)]);
          current.set(id, status);
          if (details.answeredBy) detected.set(id, details.answeredBy);
          resolve({ ...report(id, status), providerStatus: details.providerStatus ?? status });
        },
        fail(error) {
          if (placement.state !== 'pending') return;
          placement.state = 'failed';
          inFlight -= 1;
          reject(error);
        },
      };
      placed.push(placement);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      void (async () => {
        try {
          checkCallOptions(provider, callOptionsOf(request));
          await options.onPlace?.(to, n);
        } catch (error) {
          placement.fail(error);
          return;
        }
        if (options.manual) return;
        const answeredBy = options.answeredBy?.(to, n);
        placement.answer(`p${n}`, options.initialStatus?.(to, n) ?? 'initiated', {
          ...(answeredBy && { answeredBy }),
        });
      })();
      return answered;
    },
  };

  if (options.getCall) {
    provider.getCall = options.getCall;
  } else if (follow === 'polling') {
    provider.getCall = async (id) => {
      const script = scripts.get(id) ?? [];
      const status = script.length > 1 ? script.shift()! : (script[0] ?? 'initiated');
      current.set(id, status);
      return report(id, status);
    };
  }

  /** A `cancelCall` or `hangUpCall`: recorded, then answered by the test or by `decide`. */
  const endRequest =
    (list: FakeEndRequest[], end: CallStatus, decide: (was: CallStatus) => CallStatus) =>
    (id: string): Promise<ProviderCall> =>
      new Promise<ProviderCall>((resolve, reject) => {
        let settled = false;
        const request: FakeEndRequest & { result: ProviderCall | undefined } = {
          id,
          result: undefined,
          answer(status = end) {
            if (settled) return;
            settled = true;
            current.set(id, status);
            if (isTerminal(status)) scripts.set(id, [status]);
            request.result = report(id, status);
            resolve(request.result);
          },
          fail(error) {
            if (settled) return;
            settled = true;
            reject(error);
          },
        };
        list.push(request);
        if (options.manual) return;
        void (async () => {
          try {
            await options.onCancel?.(id);
          } catch (error) {
            request.fail(error);
            return;
          }
          request.answer(decide(current.get(id) ?? 'initiated'));
        })();
      });

  if (options.cancelCall) {
    provider.cancelCall = endRequest(cancels, 'canceled', (was) =>
      isTerminal(was) || was === 'answered' ? was : 'canceled',
    );
  }
  if (options.hangUpCall) {
    provider.hangUpCall = endRequest(hangUps, 'completed', (was) =>
      isTerminal(was) ? was : was === 'answered' ? 'completed' : 'canceled',
    );
  }
  const connecting = fakeConnect(connects, abandons, {
    manual: options.manual === true,
    onConnect: options.onConnect,
    onAbandon: options.onAbandon,
  });
  if (options.connectCall) provider.connectCall = connecting.connectCall;
  if (options.abandonCall) provider.abandonCall = connecting.abandonCall;
  return provider;
}
