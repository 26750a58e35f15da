import mittModule, { type Emitter, type Handler, type WildcardHandler } from 'mitt';
import type { DialerEvents } from './types.js';

type Key = keyof DialerEvents;

// mitt's types are CommonJS-flavoured, so under NodeNext its default import is typed as the
// module; at run time it is the function (ESM) or a module with `default` (some CJS interop).
const mitt = ((mittModule as { default?: unknown }).default ??
  mittModule) as unknown as typeof mittModule.default;

/**
 * A mitt emitter whose `emit` survives throwing listeners: each listener runs on its own, and
 * what one throws is reported as an `error` event (what an `error` listener throws is dropped).
 */
export interface SafeEmitter {
  on: Emitter<DialerEvents>['on'];
  off: Emitter<DialerEvents>['off'];
  /** `true` when someone listens to `type` (or to every event). */
  has(type: Key): boolean;
  emit<K extends Key>(type: K, event: DialerEvents[K]): void;
}

export function createSafeEmitter(): SafeEmitter {
  const emitter = mitt<DialerEvents>();
  const { all } = emitter;

  const has = (type: Key) => (all.get(type)?.length ?? 0) > 0 || (all.get('*')?.length ?? 0) > 0;

  function emit<K extends Key>(type: K, event: DialerEvents[K]): void {
    const handlers = all.get(type) as Handler<DialerEvents[K]>[] | undefined;
    const wildcards = all.get('*') as WildcardHandler<DialerEvents>[] | undefined;
    if (handlers && handlers.length > 0) {
      for (const handler of handlers.slice()) {
        try {
          handler(event);
        } catch (error) {
          failed(type, error);
        }
      }
    }
    if (wildcards && wildcards.length > 0) {
      for (const handler of wildcards.slice()) {
        try {
          handler(type, event);
        } catch (error) {
          failed(type, error);
        }
      }
    }
  }

  function failed(type: Key, error: unknown): void {
    if (type !== 'error') emit('error', { error, source: 'listener', event: type });
  }

  return { on: emitter.on, off: emitter.off, has, emit };
}
