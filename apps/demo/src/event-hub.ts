import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

/** The names of the events `GET /api/events` sends. */
export type LiveEventName =
  | 'scheduled-call'
  | 'dialer-entry'
  | 'dialer'
  | 'campaign'
  | 'history'
  | 'suppression'
  | 'ops-sample';

interface Stored {
  seq: number;
  text: string;
}

export interface EventHubOptions {
  /**
   * Events kept for `Last-Event-ID` replay.
   * @default 1000
   */
  capacity?: number;
  /**
   * Open streams at most, in all; another is answered `503`.
   * @default 200
   */
  maxStreams?: number;
  /**
   * Open streams at most per client address; another is answered `503`.
   * @default 10
   */
  maxStreamsPerClient?: number;
  /**
   * Milliseconds between two heartbeat comments on every open stream.
   * @default 15000
   */
  heartbeatMs?: number;
  /** A budget of streams shared with other hubs, instead of `maxStreams`/`maxStreamsPerClient`. */
  limits?: StreamLimits;
}

/**
 * How many event streams may be open at once, in all and per client address: one budget that
 * several hubs share (the app's events and the operator page's samples).
 */
export interface StreamLimits {
  /** Takes a place for `client`: `null`, or why there is none (`503`). */
  take(client: string): string | null;
  /** Gives back a place `take` gave. */
  release(client: string): void;
  /** Places taken now. */
  readonly open: number;
}

/** A budget of `maxStreams` streams in all, `maxPerClient` per client address. */
export function createStreamLimits(maxStreams = 200, maxPerClient = 10): StreamLimits {
  const perClient = new Map<string, number>();
  let open = 0;
  return {
    take(client) {
      const mine = perClient.get(client) ?? 0;
      if (mine >= maxPerClient) return `${maxPerClient} from one client`;
      if (open >= maxStreams) return `${maxStreams}`;
      perClient.set(client, mine + 1);
      open += 1;
      return null;
    },
    release(client) {
      const count = (perClient.get(client) ?? 1) - 1;
      if (count > 0) perClient.set(client, count);
      else perClient.delete(client);
      open = Math.max(0, open - 1);
    },
    get open() {
      return open;
    },
  };
}

export interface EventHub {
  /** Sends an event to every open stream and keeps it for replay. */
  publish(event: LiveEventName, data: unknown): void;
  /** Serves one Server-Sent Events stream until the client leaves or `close()`. */
  serve(req: Request, res: Response, lastEventId: string | undefined): void;
  /** Open streams now. */
  readonly size: number;
  /** Ends every stream and refuses new ones. */
  close(): void;
}

/**
 * Server-Sent Events for every status change. Each event has an `id:` made of this process's
 * boot id and a sequence number, so a client reconnecting with `Last-Event-ID` gets what it missed
 * from a bounded buffer; a client whose id is from another boot, or too old, gets a `resync`
 * event telling it to reload its state.
 */
export function createEventHub(options: EventHubOptions = {}): EventHub {
  const capacity = options.capacity ?? 1000;
  const boot = randomBytes(4).toString('hex');
  const buffer: Stored[] = [];
  const streams = new Set<Response>();
  const limits =
    options.limits ?? createStreamLimits(options.maxStreams, options.maxStreamsPerClient);
  let seq = 0;
  let closed = false;

  /** Writes to every stream; a client that stopped reading (over 1 MB queued) is dropped. */
  const broadcast = (text: string) => {
    for (const res of streams) {
      if (res.writableLength > 1_000_000) {
        streams.delete(res);
        res.destroy();
      } else {
        res.write(text);
      }
    }
  };

  const heartbeat = setInterval(() => broadcast(': heartbeat\n\n'), options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  function replay(res: Response, lastEventId: string) {
    const [idBoot, idSeq] = lastEventId.split('-');
    const last = Number(idSeq);
    const oldest = buffer[0]?.seq ?? seq + 1;
    if (idBoot !== boot || !Number.isInteger(last) || last > seq || last < oldest - 1) {
      res.write(`event: resync\ndata: {}\n\n`);
      return;
    }
    for (const item of buffer) if (item.seq > last) res.write(item.text);
  }

  return {
    publish(event, data) {
      if (closed) return;
      seq += 1;
      const text = `id: ${boot}-${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      buffer.push({ seq, text });
      if (buffer.length > capacity) buffer.shift();
      broadcast(text);
    },

    serve(req, res, lastEventId) {
      if (closed) {
        res.status(503).json({ error: { code: 'shutting_down', message: 'Shutting down' } });
        return;
      }
      const client = req.socket.remoteAddress ?? 'unknown';
      const which = limits.take(client);
      if (which !== null) {
        res
          .status(503)
          .set('Retry-After', '10')
          .json({
            error: { code: 'too_many_streams', message: `At most ${which} event streams at once` },
          });
        return;
      }
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      req.socket.setNoDelay(true);
      res.write('retry: 2000\n: connected\n\n');
      if (lastEventId !== undefined) replay(res, lastEventId);
      streams.add(res);
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        streams.delete(res);
        limits.release(client);
      };
      req.on('close', leave);
      res.on('close', leave);
    },

    get size() {
      return streams.size;
    },

    close() {
      closed = true;
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
