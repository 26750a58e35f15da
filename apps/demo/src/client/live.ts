/**
 * One shared `EventSource` per API base on a page, whatever the number of elements: elements
 * subscribe to event names and the connection is opened by the first and closed by the last.
 * The browser resumes with `Last-Event-ID` after a dropped connection; when the server refuses a
 * stream for good (a restart in progress), it is reopened after a pause with the last id seen.
 * With an API token the stream is read with `fetch` and `Authorization: Bearer` (an
 * `EventSource` cannot send it), so the token stays out of URLs; a refused token stops it until
 * the page is given another, and every stream reopens when the token changes.
 */

import { apiToken, onApiTokenChange, tokenNeeded } from './api.js';
import { AuthorizedEventSource } from './event-stream.js';

type Handler = (data: unknown) => void;

interface Connection {
  url: string;
  source: EventSource | AuthorizedEventSource | undefined;
  handlers: Map<string, Set<Handler>>;
  listeners: Map<string, (event: MessageEvent) => void>;
  /** Called each time the stream opens. */
  opens: Set<() => void>;
  lastEventId: string | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
}

const connections = new Map<string, Connection>();

function listen(connection: Connection, name: string) {
  if (connection.listeners.has(name) || !connection.source) return;
  const listener = (event: MessageEvent) => {
    if (event.lastEventId) connection.lastEventId = event.lastEventId;
    let data: unknown;
    try {
      data = JSON.parse(event.data as string);
    } catch {
      data = event.data;
    }
    for (const handler of connection.handlers.get(name) ?? []) handler(data);
  };
  connection.listeners.set(name, listener);
  connection.source.addEventListener(name, listener as EventListener);
}

function open(connection: Connection) {
  const query = new URLSearchParams();
  if (connection.lastEventId !== undefined) query.set('last_event_id', connection.lastEventId);
  const url = query.size > 0 ? `${connection.url}?${query.toString()}` : connection.url;
  const token = apiToken();
  const source = token ? new AuthorizedEventSource(url, token) : new EventSource(url);
  connection.source = source;
  connection.listeners.clear();
  for (const name of connection.handlers.keys()) listen(connection, name);
  source.addEventListener('open', () => {
    for (const handler of [...connection.opens]) handler();
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED || connection.source !== source) return;
    // A refused token: no retry until the page has another (see the token change below).
    if (source instanceof AuthorizedEventSource && source.status === 401) tokenNeeded(token);
    else connection.retry = setTimeout(() => open(connection), 3000);
  });
}

/** A new token: every stream starts again with it, from the last event it saw. */
onApiTokenChange(() => {
  for (const connection of connections.values()) {
    clearTimeout(connection.retry);
    connection.source?.close();
    open(connection);
  }
});

/** The app's stream of status changes; the operator's page has its own (`/api/ops/events`). */
const EVENTS = '/api/events';

function connectionFor(base: string, path: string): Connection {
  const url = `${base}${path}`;
  let connection = connections.get(url);
  if (!connection) {
    connection = {
      url,
      source: undefined,
      handlers: new Map(),
      listeners: new Map(),
      opens: new Set(),
      lastEventId: undefined,
      retry: undefined,
    };
    connections.set(url, connection);
    open(connection);
  }
  return connection;
}

function release(connection: Connection) {
  if (connection.handlers.size > 0 || connection.opens.size > 0) return;
  clearTimeout(connection.retry);
  connection.source?.close();
  connections.delete(connection.url);
}

/**
 * Calls `handler` with the parsed data of each `name` event from `${base}${path}` (by default the
 * app's `/api/events`). `resync` means events were missed: reload the state. Returns the
 * unsubscribe function.
 */
export function subscribe(
  base: string,
  name: string,
  handler: Handler,
  path: string = EVENTS,
): () => void {
  const connection = connectionFor(base, path);
  let handlers = connection.handlers.get(name);
  if (!handlers) {
    handlers = new Set();
    connection.handlers.set(name, handlers);
  }
  handlers.add(handler);
  listen(connection, name);
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0) connection.handlers.delete(name);
    release(connection);
  };
}

/**
 * Calls `handler` each time the shared stream opens from now on (not for one open already).
 * Events published before a first open were never sent to this page: an element that loaded
 * its state before then reads it again here.
 */
export function onStreamOpen(base: string, handler: () => void, path: string = EVENTS): () => void {
  const connection = connectionFor(base, path);
  connection.opens.add(handler);
  return () => {
    connection.opens.delete(handler);
    release(connection);
  };
}
