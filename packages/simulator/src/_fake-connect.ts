import type { ConnectCallOptions } from '@ringkit/call-client';

// The fake provider's `connectCall` and `abandonCall`: each recorded, then resolved at once (after
// its hook), or left pending until the test answers it (`manual`).

/** Where a `connectCall` or `abandonCall` of a fake provider stands. */
export type FakeRequestState = 'pending' | 'answered' | 'failed';

/** One `connectCall` of a fake provider, as asked. */
export interface FakeConnectRequest {
  /** The id of the call to connect. */
  readonly id: string;
  /** The agent to connect it to, as given. */
  readonly to: string;
  /** The ring time asked for, in seconds (`undefined`: left to the provider's 20). */
  readonly ringS: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly state: FakeRequestState;
  /** Resolves it: the provider took the request. */
  answer(): void;
  /** Rejects it with this error (e.g. the `HttpError` of a call that has ended). */
  fail(error: unknown): void;
}

/** One `abandonCall` of a fake provider, as asked. */
export interface FakeAbandonRequest {
  /** The id of the call to abandon. */
  readonly id: string;
  /** The message to speak, as given. */
  readonly message: string;
  readonly signal: AbortSignal | undefined;
  readonly state: FakeRequestState;
  /** Resolves it: the provider took the request. */
  answer(): void;
  /** Rejects it with this error. */
  fail(error: unknown): void;
}

type Asked<R> = Omit<R, 'state' | 'answer' | 'fail'>;

/**
 * A request recorded in `list` and answered by the test, or, unless `manual`, at once once `hook`
 * has run (rejected with what it threw).
 */
function record<R extends { state: FakeRequestState }>(
  list: R[],
  asked: Asked<R>,
  manual: boolean,
  hook: ((request: R) => Promise<void> | void) | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const request = {
      ...asked,
      state: 'pending' as FakeRequestState,
      answer() {
        if (request.state !== 'pending') return;
        request.state = 'answered';
        resolve();
      },
      fail(error: unknown) {
        if (request.state !== 'pending') return;
        request.state = 'failed';
        reject(error);
      },
    };
    list.push(request as unknown as R);
    if (manual) return;
    void (async () => {
      try {
        await hook?.(request as unknown as R);
      } catch (error) {
        request.fail(error);
        return;
      }
      request.answer();
    })();
  });
}

/** What the fake provider needs to give itself `connectCall` and `abandonCall`. */
export interface FakeConnectOptions {
  manual: boolean;
  onConnect: ((request: FakeConnectRequest) => Promise<void> | void) | undefined;
  onAbandon: ((request: FakeAbandonRequest) => Promise<void> | void) | undefined;
}

/** The fake provider's `connectCall` and `abandonCall`, recording into `connects` and `abandons`. */
export function fakeConnect(
  connects: FakeConnectRequest[],
  abandons: FakeAbandonRequest[],
  options: FakeConnectOptions,
) {
  return {
    connectCall(id: string, to: string, { ringS, signal }: ConnectCallOptions = {}) {
      return record(connects, { id, to, ringS, signal }, options.manual, options.onConnect);
    },
    abandonCall(id: string, message: string, { signal }: { signal?: AbortSignal } = {}) {
      return record(abandons, { id, message, signal }, options.manual, options.onAbandon);
    },
  };
}
