import {
  isCallStatus,
  isTerminal,
  type CallProvider,
  type CallStatus,
  type ProviderCall,
} from '@ringkit/call-client';
import { invoke, type Entry } from './_entry.js';
import type { DialerErrorSource } from './types.js';

/** What hanging up an entry's call needs from the dialer. */
export interface HangUpHost {
  provider: CallProvider;
  /** Moves the entry forward; ends its attempt on a terminal status. */
  advance(entry: Entry, status: CallStatus, providerStatus: string | null): boolean;
  /** Ends the entry's attempt with an end the provider has taken on but not reported yet. */
  endAs(entry: Entry, outcome: 'canceled' | 'completed', providerStatus: string | null): void;
  report(error: unknown, source: DialerErrorSource, index: number): void;
}

/**
 * The method `stop({ hangUp: true })` needs and `provider` lacks, or `null` when it has both:
 * `cancelCall` for the calls not answered yet, `hangUpCall` for the answered ones.
 */
export function missingHangUpMethod(provider: CallProvider): 'cancelCall' | 'hangUpCall' | null {
  if (typeof provider.cancelCall !== 'function') return 'cancelCall';
  if (typeof provider.hangUpCall !== 'function') return 'hangUpCall';
  return null;
}

/**
 * Ends the entry's call in flight, the explicit act of `stop({ hangUp: true })`: a call not
 * answered yet through `cancelCall`, an answered one through `hangUpCall`, and one that `cancelCall`
 * finds answered meanwhile (the provider leaves it as it is) through `hangUpCall` next. The
 * provider's answer is the outcome; when it reports no end yet (it took the request), the entry
 * ends `completed` if it was answered, else `canceled`. A request that fails is reported and the
 * call followed to its end; a later `stop({ hangUp: true })` tries again.
 */
export function hangUpEntry(host: HangUpHost, entry: Entry): void {
  const { provider } = host;
  const id = entry.callId;
  if (!entry.live || entry.hangingUp || id === null) return;
  entry.hangingUp = true;
  const attempt = entry.attempts;
  const current = () => entry.isActive(attempt) && entry.callId === id;
  const send = (hangUp: boolean) => {
    const request = hangUp ? provider.hangUpCall : provider.cancelCall;
    invoke<ProviderCall>(() => request!.call(provider, id))
      .then(
        (call) => {
          if (!current()) return;
          const status: unknown = call?.status;
          const word = typeof call?.providerStatus === 'string' ? call.providerStatus : null;
          if (isCallStatus(status) && isTerminal(status)) host.advance(entry, status, word);
          else if (status === 'answered' && !hangUp) {
            host.advance(entry, 'answered', word);
            send(true);
          } else host.endAs(entry, entry.status === 'answered' ? 'completed' : 'canceled', word);
        },
        (error: unknown) => {
          if (!current()) return;
          entry.hangingUp = false;
          host.report(error, 'hang_up', entry.index);
        },
      )
      .catch((error: unknown) => host.report(error, 'hang_up', entry.index));
  };
  send(entry.status === 'answered');
}
