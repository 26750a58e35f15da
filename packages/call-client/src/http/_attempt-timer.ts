import { TimeoutError as KyTimeoutError } from 'ky';

/**
 * The timeouts of a paced request: each attempt gets `timeoutMs` from the moment it is sent
 * (until its body is read, for a successful answer), and the whole request `totalTimeoutMs` not
 * counting the time spent waiting for the pacer.
 */
export function createAttemptTimer(timeoutMs: number, totalTimeoutMs: number) {
  const startedAt = performance.now();
  let waitedMs = 0;
  let current: { timer: ReturnType<typeof setTimeout> | undefined; timedOut: boolean } | null =
    null;
  const remaining = () => totalTimeoutMs - (performance.now() - startedAt - waitedMs);
  const end = () => {
    if (current?.timer !== undefined) clearTimeout(current.timer);
    if (current) current.timer = undefined;
  };
  return {
    end,
    timedOut: () => current?.timedOut === true,
    checkTotal(request: Request) {
      if (remaining() <= 0) throw new KyTimeoutError(request);
    },
    /** Time spent in the pacer's queue, which the total does not count. */
    waited(ms: number) {
      waitedMs += ms;
    },
    /** Sends one attempt with `send`, given the request's signal joined to the attempt's timer. */
    send(request: Request, send: (signal: AbortSignal) => Promise<Response>) {
      end();
      const attempt = {
        timer: undefined as ReturnType<typeof setTimeout> | undefined,
        timedOut: false,
      };
      current = attempt;
      const controller = new AbortController();
      const ms = Math.max(1, Math.min(timeoutMs, remaining()));
      return new Promise<Response>((resolve, reject) => {
        attempt.timer = setTimeout(() => {
          attempt.timedOut = true;
          controller.abort();
          reject(new KyTimeoutError(request));
        }, ms);
        send(AbortSignal.any([request.signal, controller.signal])).then((response) => {
          // An answer the caller will not read as a success needs no timer on its body.
          if (!response.ok) end();
          resolve(response);
        }, reject);
      });
    },
  };
}
