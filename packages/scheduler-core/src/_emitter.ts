import mittImport, { type Emitter, type EventType, type Handler } from 'mitt';
import type { SchedulerEvents } from './events.js';

type Key = keyof SchedulerEvents;
type MittFactory = <E extends Record<EventType, unknown>>() => Emitter<E>;

// mitt's types describe a CommonJS module under NodeNext; at run time the default import is the
// factory itself (ESM) or carries it as `.default` (some CJS interop). Take whichever is there.
const mitt = ((mittImport as unknown as { default?: MittFactory }).default ??
  mittImport) as unknown as MittFactory;

/** mitt, with an `emit` that survives throwing listeners (reported as `error` events). */
export interface SafeEmitter {
  on: Emitter<SchedulerEvents>['on'];
  off: Emitter<SchedulerEvents>['off'];
  emit<K extends Key>(type: K, event: SchedulerEvents[K]): void;
  /** `true` when someone listens to `type` (or to every event), so callers can skip building it. */
  has(type: Key): boolean;
}

export function createSafeEmitter(): SafeEmitter {
  const emitter = mitt<SchedulerEvents>();
  function emit<K extends Key>(type: K, event: SchedulerEvents[K]): void {
    const handlers = emitter.all.get(type) as Handler<SchedulerEvents[K]>[] | undefined;
    for (const handler of handlers?.slice() ?? []) {
      try {
        handler(event);
      } catch (error) {
        if (type !== 'error') emit('error', { error, source: 'listener' });
      }
    }
    const wildcards = emitter.all.get('*') as
      ((type: Key, event: SchedulerEvents[K]) => void)[] | undefined;
    for (const handler of wildcards?.slice() ?? []) {
      try {
        handler(type, event);
      } catch (error) {
        if (type !== 'error') emit('error', { error, source: 'listener' });
      }
    }
  }
  const has = (type: Key) =>
    (emitter.all.get(type)?.length ?? 0) > 0 || (emitter.all.get('*')?.length ?? 0) > 0;
  return { on: emitter.on, off: emitter.off, emit, has };
}
