/**
 * Asks of one kind made close together, sent as one: what is asked in the same turn as the first
 * ask, or while a batch of the same key is on its way, goes in the next batch, sent once the one
 * on its way has settled. A batch therefore never starts before any of its asks was made (a read
 * sees every write that ended before it was asked for), and a process waits on a contended row
 * or a round trip once per batch instead of once per ask. A batch is sent in the async context of
 * its first ask (`AsyncLocalStorage.snapshot()`): what that context carries (a trace, a tag) goes
 * with the round trip, never the context of the batch sent before it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Sends one batch: resolves to one answer per ask, in their order. */
export type SendBatch<Ask, Answer> = (asks: Ask[], key: string) => Promise<Answer[]>;

interface Waiting<Ask, Answer> {
  ask: Ask;
  resolve: (answer: Answer) => void;
  reject: (error: unknown) => void;
}

/**
 * A batcher: `ask(a)` resolves to `a`'s answer in the batch it went in, or rejects with that
 * batch's failure (every ask of a failed batch gets it). `keyOf` keeps asks of different keys in
 * batches of their own, each key with its own batch on its way.
 */
export function createBatches<Ask, Answer>(
  send: SendBatch<Ask, Answer>,
  keyOf: (ask: Ask) => string = () => '',
): { ask(ask: Ask): Promise<Answer> } {
  /** The asks waiting for each key's next batch, and the context of its first ask. */
  const forming = new Map<string, Waiting<Ask, Answer>[]>();
  const contexts = new Map<string, <R>(fn: () => R) => R>();
  /** The keys with a batch on its way, or about to go. */
  const busy = new Set<string>();

  function go(key: string): void {
    const batch = forming.get(key);
    if (!batch) {
      busy.delete(key);
      return;
    }
    forming.delete(key);
    const inContext = contexts.get(key)!;
    contexts.delete(key);
    let sent: Promise<Answer[]>;
    try {
      const asks = batch.map((w) => w.ask);
      sent = inContext(() => send(asks, key));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then(
        (answers) => {
          if (answers.length !== batch.length) {
            throw new TypeError(`a batch of ${batch.length} got ${answers.length} answers`);
          }
          batch.forEach((w, i) => w.resolve(answers[i]!));
        },
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
      // What was asked meanwhile goes next.
      .finally(() => go(key));
  }

  return {
    ask: (ask) =>
      new Promise<Answer>((resolve, reject) => {
        const key = keyOf(ask);
        let batch = forming.get(key);
        if (!batch) {
          forming.set(key, (batch = []));
          contexts.set(key, AsyncLocalStorage.snapshot());
        }
        batch.push({ ask, resolve, reject });
        if (busy.has(key)) return;
        busy.add(key);
        queueMicrotask(() => go(key));
      }),
  };
}
