import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { onApiTokenChange } from '../api.js';

/** Whether the page is shown, and news of when that changes (the document's, by default). */
export interface Visibility {
  hidden(): boolean;
  /** Calls `listener` on each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** The document's visibility: hidden while the tab is in the background or minimised. */
const documentVisibility: Visibility = {
  hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
  onChange(listener) {
    if (typeof document === 'undefined') return () => {};
    document.addEventListener('visibilitychange', listener);
    return () => document.removeEventListener('visibilitychange', listener);
  },
};

export interface PollOptions {
  /** Reads the host's state from the API; a rejection is the host's to show. */
  load: () => Promise<void>;
  /**
   * Time from the end of one load to the start of the next, in ms.
   * @default 1000
   */
  intervalMs?: number;
  /** @default the document's */
  visibility?: Visibility;
}

/**
 * Loads the host's state again and again while it is on a page that is shown: at once when it
 * connects (and when the page is shown again, and when the API token changes), then
 * `intervalMs` after each load ends, so loads never overlap. Nothing is asked while the page is
 * hidden or after the host leaves it. For what no event stream carries: state that other
 * processes change in a store only they write to.
 */
export class PollController implements ReactiveController {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;
  /** The load under way, if any. */
  private running: Promise<void> | undefined;
  /** The load asked for while one was under way: it starts when that one ends. */
  private next: Promise<void> | undefined;
  private offs: (() => void)[] = [];

  constructor(
    host: ReactiveControllerHost,
    private readonly options: PollOptions,
  ) {
    host.addController(this);
  }

  private get visibility(): Visibility {
    return this.options.visibility ?? documentVisibility;
  }

  hostConnected(): void {
    this.connected = true;
    this.offs = [
      this.visibility.onChange(() => {
        if (this.visibility.hidden()) this.stop();
        else void this.now();
      }),
      onApiTokenChange(() => void this.now()),
    ];
    void this.now();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stop();
    for (const off of this.offs) off();
    this.offs = [];
  }

  /**
   * Loads now, or right after the load under way (several such asks share it), then goes on
   * polling from its end. Resolves when that load has ended; nothing is loaded while the page is
   * hidden or the host gone.
   */
  now(): Promise<void> {
    if (this.next) return this.next;
    const running = this.running;
    if (!running) return this.start();
    this.next = running.then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<void> {
    this.stop();
    if (!this.connected || this.visibility.hidden()) return Promise.resolve();
    const run = (async () => {
      try {
        await this.options.load();
      } catch {
        // The host shows its own failures; the next load tries again.
      } finally {
        this.running = undefined;
        if (!this.next) this.schedule();
      }
    })();
    this.running = run;
    return run;
  }

  private schedule() {
    clearTimeout(this.timer);
    if (!this.connected || this.visibility.hidden()) return;
    this.timer = setTimeout(() => void this.now(), this.options.intervalMs ?? 1000);
  }

  private stop() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
