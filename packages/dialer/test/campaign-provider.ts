import type { CallProvider, CallStatus, CallStatusEvent } from '@ringkit/call-client';

/**
 * A webhook provider shared by every worker of a test: it answers each POST at once and reports
 * the call's end (`outcome(n)` for the n-th call) `delay(n)` ms later to `route`, as a load
 * balancer would. It counts every number rung and the calls live at once.
 */
export function createScriptedProvider(script: {
  outcome: (n: number, to: string) => CallStatus;
  delay?: (n: number) => number;
}) {
  const state = {
    placed: [] as string[],
    live: 0,
    maxLive: 0,
    /**
     * Where status events go; set by the test (one worker, or each in turn). A delivery that
     * rejects is sent again 20 ms later to the route of that moment, as a provider retries a
     * webhook its target refused (a worker shutting down).
     */
    route: (_event: CallStatusEvent): void | Promise<unknown> => {},
    /** Calls whose end is still to be reported, by id. */
    pending: new Map<string, ReturnType<typeof setTimeout>>(),
  };
  const send = (event: CallStatusEvent, tries = 0): void => {
    void Promise.resolve()
      .then(() => state.route(event))
      .catch(() => {
        if (tries < 500) setTimeout(() => send(event, tries + 1), 20);
      });
  };
  const provider: CallProvider = {
    name: 'scripted',
    capabilities: { polling: false, webhooks: true },
    async placeCall({ to }) {
      const n = state.placed.length;
      state.placed.push(to);
      state.live += 1;
      state.maxLive = Math.max(state.maxLive, state.live);
      const id = `call-${n}`;
      const status = script.outcome(n, to);
      const timer = setTimeout(
        () => {
          state.pending.delete(id);
          state.live -= 1;
          send({ callId: id, status, providerStatus: status, at: new Date() });
        },
        script.delay?.(n) ?? 5,
      );
      state.pending.set(id, timer);
      return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  return { provider, state };
}
