import mittImport, { type Emitter, type EventType, type Handler } from 'mitt';

type MittFactory = <E extends Record<EventType, unknown>>() => Emitter<E>;

// mitt's types describe a CommonJS module under NodeNext; at run time the default import is the
// factory itself (ESM) or carries it as `.default` (some CJS interop). Take whichever is there.
const mitt = ((mittImport as unknown as { default?: MittFactory }).default ??
  mittImport) as unknown as MittFactory;

/** mitt, with an `emit` that survives throwing listeners (each reported as an `error` event). */
export interface SafeEmitter<Events extends Record<EventType, unknown> & { error: unknown }> {
  on: Emitter<Events>['on'];
  off: Emitter<Events>['off'];
  emit<K extends keyof Events>(type: K, event: Events[K]): void;
  /** `true` when someone listens to `type` (or to every event), so callers can skip building it. */
  has(type: keyof Events): boolean;
}

/**
 * Every listener runs on its own: what one throws becomes the `error` event that
 * `listenerError(error, type)` describes; what an `error` listener throws is dropped.
 */
export function createSafeEmitter<Events extends Record<EventType, unknown> & { error: unknown }>(
  listenerError: (error: unknown, type: keyof Events) => Events['error'],
): SafeEmitter<Events> {
  const emitter = mitt<Events>();
  type Key = keyof Events;

  function emit<K extends Key>(type: K, event: Events[K]): void {
    // Copied before the calls, so a listener that subscribes or unsubscribes changes the next
    // emit, not this one; nothing is copied (or allocated) for an event nobody listens to.
    const handlers = emitter.all.get(type as EventType) as Handler<Events[K]>[] | undefined;
    if (handlers !== undefined && handlers.length > 0) {
      for (const handler of handlers.slice()) {
        try {
          handler(event);
        } catch (error) {
          failed(type, error);
        }
      }
    }
    const wildcards = emitter.all.get('*') as ((type: K, event: Events[K]) => void)[] | undefined;
    if (wildcards !== undefined && wildcards.length > 0) {
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
    if (type !== 'error') emit('error', listenerError(error, type));
  }

  const has = (type: Key) =>
    (emitter.all.get(type as EventType)?.length ?? 0) > 0 ||
    (emitter.all.get('*')?.length ?? 0) > 0;

  return { on: emitter.on, off: emitter.off, emit, has };
}
