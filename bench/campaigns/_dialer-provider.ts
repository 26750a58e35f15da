/**
 * The in-process fake provider of bench/campaigns/dialer.ts: calls ring, answer and complete after 0 ms
 * (setImmediate) or 0–5 ms (setTimeout), and the provider keeps the figures, seen from its side:
 * - slot use: calls in flight (from `placeCall` to the terminal status it hands out), integrated
 *   over time while numbers remain (from the first `placeCall` to the last), / (concurrency ×
 *   that time);
 * - refill latency: from a terminal status handed to the handler to the next `placeCall`.
 */
import { seededRandom } from '@ringkit/internal';
import type { CallProvider, CallStatus, CallStatusEvent, ProviderCall } from '@ringkit/call-client';

export type Mode = 'zero' | 'random';
export type Handler = (event: CallStatusEvent) => void;

const AT = new Date(0);
const event = (callId: string, status: CallStatus, at: Date): CallStatusEvent => ({
  callId,
  status,
  providerStatus: status,
  at,
});

export interface BenchProviderOptions {
  /** The slots slot use is a share of. */
  concurrency: number;
  /** Events dated now (a durable store keeps them) instead of one fixed date. @default false */
  dated?: boolean;
}

/** A provider whose calls ring, answer and complete after 0 ms (setImmediate) or 0–5 ms. */
export function benchProvider(
  mode: Mode,
  total: number,
  seed: number,
  { concurrency, dated = false }: BenchProviderOptions,
) {
  const random = seededRandom(seed);
  let handler: Handler = () => {};
  let placed = 0;
  let ended = 0;
  let inFlight = 0;
  let firstAt = -1;
  let lastAt = 0;
  let lastPlacedAt = 0;
  let lastEndedAt = 0;
  let area = 0;
  // Preallocated, so that the harness allocates nothing between a terminal event and the refill.
  const freedAt = new Float64Array(total);
  let freedCount = 0;
  let freedHead = 0;
  const latencies: number[] = [];
  const track = (now: number) => {
    if (placed < total) area += inFlight * (now - lastAt);
    lastAt = now;
  };
  const provider: CallProvider = {
    name: 'bench',
    capabilities: { polling: false, webhooks: true },
    placeCall() {
      const now = performance.now();
      if (firstAt < 0) firstAt = lastAt = now;
      track(now);
      if (freedHead < freedCount) latencies.push(now - (freedAt[freedHead++] as number));
      placed += 1;
      inFlight += 1;
      if (placed === total) lastPlacedAt = now;
      const id = String(placed);
      const finish = () => {
        const date = dated ? new Date() : AT;
        handler(event(id, 'ringing', date));
        handler(event(id, 'answered', date));
        const completed = event(id, 'completed', date);
        const at = performance.now();
        track(at);
        inFlight -= 1;
        ended += 1;
        lastEndedAt = at;
        if (placed < total) freedAt[freedCount++] = at;
        handler(completed);
      };
      if (mode === 'zero') setImmediate(finish);
      else setTimeout(finish, random() * 5);
      const call: ProviderCall = {
        id,
        status: 'initiated',
        providerStatus: 'initiated',
        raw: null,
      };
      return Promise.resolve(call);
    },
  };
  return {
    provider,
    setHandler: (next: Handler) => (handler = next),
    slotUse: () => area / (concurrency * (lastPlacedAt - firstAt)),
    /** Refill latencies, ms. */
    latencies: () => latencies,
    placed: () => placed,
    ended: () => ended,
    /** Calls per second from the first `placeCall` to the last terminal status. */
    perSecond: () => (1000 * ended) / (lastEndedAt - firstAt),
    /** When the first call was placed (performance.now), or -1. */
    firstAt: () => firstAt,
  };
}

export type Bench = ReturnType<typeof benchProvider>;
