import type { CallProvider, CallStatus, CallStatusEvent } from '@ringkit/call-client';

/** What the n-th call does: its statuses, one every `stepMs`, or `null` to hold it for the test. */
export interface CallSteps {
  statuses: CallStatus[] | null;
  /** @default 5 */
  stepMs?: number;
}

/**
 * A webhook provider shared by every worker of a test: it answers each POST at once with
 * `call-<n>`, then reports the call's statuses as `steps(n)` says, each to the next worker in
 * turn (a webhook may reach any of them). A held call is ended by the test with `report()`.
 */
export function createStepProvider(steps: (n: number, to: string) => CallSteps) {
  const workers: { handleStatus(event: CallStatusEvent): void }[] = [];
  const placed: string[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let turn = 0;
  const report = (id: string, status: CallStatus) => {
    const worker = workers[turn++ % workers.length];
    worker?.handleStatus({ callId: id, status, providerStatus: status, at: new Date() });
  };
  const provider: CallProvider = {
    name: 'steps',
    capabilities: { polling: false, webhooks: true },
    async placeCall({ to }) {
      const n = placed.length;
      placed.push(to);
      const id = `call-${n}`;
      const { statuses, stepMs = 5 } = steps(n, to);
      statuses?.forEach((status, i) => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            report(id, status);
          },
          stepMs * (i + 1),
        );
        timers.add(timer);
      });
      return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  return {
    provider,
    /** The workers that get the webhooks, in turn. */
    workers,
    /** Every number rung, in order. */
    placed,
    /** Reports a status of a call (a held one's end). */
    report,
    /** Forgets the statuses not reported yet. */
    dispose: () => timers.forEach((timer) => clearTimeout(timer)),
  };
}

/** Resolves once `check()` is true, polling every 5 ms; rejects with `what()` after `ms`. */
export async function until(check: () => boolean, what: () => string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
