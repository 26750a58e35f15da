import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Updates a host that shows how long until something (`in 20 s`) every second, while
 * `wanted()` says there is something to count down to; stops when the host leaves the page.
 */
export class TickerController implements ReactiveController {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly wanted: () => boolean,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.timer = setInterval(() => {
      if (this.wanted()) this.host.requestUpdate();
    }, 1000);
  }

  hostDisconnected(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
