import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { onStreamOpen, subscribe } from '../live.js';

export interface LiveOptions {
  /** The API base the host talks to, read each time it connects. */
  base: () => string;
  /** Reads the host's state from the API. */
  load: () => Promise<void>;
  /**
   * The stream's path under the API base.
   * @default '/api/events'
   */
  stream?: string;
  /**
   * Live events by name. One that arrives while a load is under way is applied after it, in
   * arrival order, so a page read a moment ago never overwrites a newer event.
   */
  events?: Record<string, (data: unknown) => void>;
  /**
   * Whether to load as soon as the host connects (an element that needs an attribute first loads
   * itself when it has it).
   * @default true
   */
  loadOnConnect?: boolean;
  /**
   * Whether the shared stream's (re)opening reloads: events published before it opened never
   * reached this page.
   * @default () => true
   */
  reloadOnOpen?: () => boolean;
}

/**
 * Load, subscribe to live events, apply them: what every element of the demo does, as one Lit
 * reactive controller. It subscribes to the page's one shared `EventSource` when the host
 * connects (and unsubscribes when it disconnects), reloads on `resync` (events were missed), and
 * holds live events back while a load is under way.
 */
export class LiveController implements ReactiveController {
  private offs: (() => void)[] = [];
  /** Live events held back while loads are under way, in arrival order. */
  private queue: (() => void)[] | undefined;
  /** The load under way, if any. */
  private running: Promise<void> | undefined;
  /** The load asked for while one was under way: it starts when that one ends. */
  private next: Promise<void> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly options: LiveOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    const { base, events = {}, loadOnConnect = true, reloadOnOpen, stream } = this.options;
    const url = base();
    this.offs = [
      ...Object.entries(events).map(([name, apply]) =>
        subscribe(url, name, (data) => this.whenLoaded(() => apply(data)), stream),
      ),
      subscribe(url, 'resync', () => void this.reload(), stream),
      onStreamOpen(
        url,
        () => {
          if (reloadOnOpen?.() ?? true) void this.reload();
        },
        stream,
      ),
    ];
    if (loadOnConnect) void this.reload();
  }

  hostDisconnected(): void {
    for (const off of this.offs) off();
    this.offs = [];
  }

  /**
   * Loads again; live events that arrive meanwhile wait for it. Loads never overlap: one asked
   * for while another is under way starts when that one ends (several such asks share it), so
   * the state last loaded is never older than an event already applied, and the held events are
   * applied once the last load has ended.
   */
  reload(): Promise<void> {
    this.queue ??= [];
    if (this.next) return this.next;
    const running = this.running;
    if (!running) return this.start();
    this.next = running
      .catch(() => {})
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const run = (async () => {
      try {
        await this.options.load();
      } finally {
        this.running = undefined;
        if (!this.next) {
          const queued = this.queue ?? [];
          this.queue = undefined;
          for (const apply of queued) apply();
        }
      }
    })();
    this.running = run;
    return run;
  }

  private whenLoaded(apply: () => void) {
    if (this.queue) this.queue.push(apply);
    else apply();
  }
}

/**
 * `items` with `item` in it, unless it holds the same or a newer version of it: then the same
 * map (an upsert keeps the newest version whatever order the load and the events came in).
 */
export function upsertNewest<T extends { id: string; version: number }>(
  items: ReadonlyMap<string, T>,
  item: T,
): ReadonlyMap<string, T> {
  const known = items.get(item.id);
  if (known && known.version >= item.version) return items;
  return new Map(items).set(item.id, item);
}
