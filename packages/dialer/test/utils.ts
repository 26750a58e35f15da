import type {
  AnsweredBy,
  CallOptionName,
  CallProvider,
  CallStatus,
  CallStatusEvent,
  PlaceCallRequest,
  ProviderCall,
} from '@ringkit/call-client';

/** The fake clock's start in the dialer's tests (an ordinary epoch time, not 0). */
export const T0 = 1_700_000_000_000;

/** One `placeCall` invocation of a {@link FakeProvider}, answered by the test. */
export interface PlacedCall {
  to: string;
  signal: AbortSignal | undefined;
  /** The whole request, call options included. */
  request: PlaceCallRequest;
  /** Answers the POST with this id (and status, `initiated` by default, and who answered). */
  answer(id: string, status?: CallStatus, providerStatus?: string, answeredBy?: AnsweredBy): void;
  /** Fails the POST. */
  fail(error: unknown): void;
}

/** One `cancelCall` or `hangUpCall` invocation of a {@link FakeProvider}, answered by the test. */
export interface CancelRequest {
  id: string;
  /**
   * Answers with the call as the provider reports it afterwards (by default `canceled` for a
   * `cancelCall`, `completed` for a `hangUpCall`).
   */
  answer(status?: CallStatus): void;
  /** Fails the request. */
  fail(error: unknown): void;
}

export interface FakeProvider extends CallProvider {
  /** Every `placeCall` invocation, in order. */
  placed: PlacedCall[];
  /** Every `cancelCall` invocation, in order (with `cancelable: true`). */
  cancels: CancelRequest[];
  /** Every `hangUpCall` invocation, in order (with `hangUpCall: true`). */
  hangUps: CancelRequest[];
}

/**
 * A provider whose POSTs stay pending until the test answers them. Webhook flavour by default;
 * pass `getCall` to give it a status endpoint (and `polling: true` to be followed by polling).
 */
export function createFakeProvider(
  options: {
    polling?: boolean;
    /** Gives the provider a `cancelCall` whose answers the test gives through `cancels`. */
    cancelable?: boolean;
    /**
     * Gives the provider a `hangUpCall` whose answers the test gives through `hangUps`.
     * @default cancelable
     */
    hangUpCall?: boolean;
    /** The call options it honours (`capabilities.options`). */
    callOptions?: readonly CallOptionName[];
    getCall?: (id: string, options?: { signal?: AbortSignal }) => Promise<ProviderCall>;
  } = {},
): FakeProvider {
  const placed: PlacedCall[] = [];
  const cancels: CancelRequest[] = [];
  const hangUps: CancelRequest[] = [];
  const provider: FakeProvider = {
    name: 'fake',
    capabilities: {
      polling: options.polling ?? false,
      webhooks: !options.polling,
      ...(options.callOptions && { options: options.callOptions }),
    },
    placed,
    cancels,
    hangUps,
    placeCall(request) {
      const { to, signal } = request;
      return new Promise<ProviderCall>((resolve, reject) => {
        placed.push({
          to,
          signal,
          request,
          answer: (id, status = 'initiated', providerStatus = status, answeredBy) =>
            resolve({ id, status, providerStatus, raw: { id }, ...(answeredBy && { answeredBy }) }),
          fail: reject,
        });
      });
    },
  };
  if (options.getCall) provider.getCall = options.getCall;
  /** A request the test answers, kept in `list`. */
  const requestOf = (list: CancelRequest[], end: CallStatus) => (id: string) =>
    new Promise<ProviderCall>((resolve, reject) => {
      list.push({ id, answer: (status = end) => resolve(providerCall(id, status)), fail: reject });
    });
  if (options.cancelable) provider.cancelCall = requestOf(cancels, 'canceled');
  if (options.hangUpCall ?? options.cancelable)
    provider.hangUpCall = requestOf(hangUps, 'completed');
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
