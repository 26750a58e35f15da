/**
 * A Server-Sent Events stream read with `fetch`, so that it can send `Authorization: Bearer`,
 * which a browser's `EventSource` cannot: with it the API token never goes into a URL (where
 * logs and proxies would keep it). It behaves like an `EventSource` that does not reconnect by
 * itself: `open`, one event per named message (a `MessageEvent` with `data` and
 * `lastEventId`), and `error` once it has ended (`readyState` is then `CLOSED` and `status` the
 * HTTP status, if the server answered other than 200).
 */
export class AuthorizedEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readyState: number = AuthorizedEventSource.CONNECTING;
  /** The HTTP status of a refused stream (401: the token was refused). */
  status: number | undefined;
  private lastEventId = '';
  private readonly controller = new AbortController();

  constructor(
    readonly url: string,
    token: string,
  ) {
    super();
    void this.read(token);
  }

  close(): void {
    this.readyState = AuthorizedEventSource.CLOSED;
    this.controller.abort();
  }

  private async read(token: string) {
    try {
      const response = await fetch(this.url, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
        cache: 'no-store',
        signal: this.controller.signal,
      });
      if (!response.ok || !response.body) {
        this.status = response.status;
        return;
      }
      this.readyState = AuthorizedEventSource.OPEN;
      this.dispatchEvent(new Event('open'));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
        buffer = blocks.pop() ?? '';
        for (const block of blocks) this.dispatchBlock(block);
      }
    } catch {
      // a dropped connection or close(): it ends below
    } finally {
      this.end();
    }
  }

  /** One event of the stream: its `event:`, `data:` and `id:` lines (comments skipped). */
  private dispatchBlock(block: string) {
    let name = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    }
    if (data.length === 0) return;
    const lastEventId = this.lastEventId;
    this.dispatchEvent(new MessageEvent(name, { data: data.join('\n'), lastEventId }));
  }

  private end() {
    if (this.readyState === AuthorizedEventSource.CLOSED) return;
    this.readyState = AuthorizedEventSource.CLOSED;
    this.dispatchEvent(new Event('error'));
  }
}
