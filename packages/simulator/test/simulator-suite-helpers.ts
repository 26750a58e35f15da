import { afterEach } from 'vitest';
import type { SimulatedCall, SimulatorEvent, SimulatorKnobs } from '../src/types.js';

/** One running provider, whichever transport serves it. */
export interface HarnessInstance {
  /** The base URL requests go to. */
  url: string;
  calls(): SimulatedCall[];
  close(): Promise<void> | void;
  /** Telnyx flavour: the public key its webhooks are verified with. */
  publicKey?: string;
}

/** How a test file starts a provider: the HTTP simulator or the MSW mock. */
export interface Harness {
  name: string;
  start(options: SimulatorKnobs): Promise<HarnessInstance>;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Closes everything a test started once the test is over. */
export function useCleanup(): (close: () => unknown) => void {
  const pending: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of pending.splice(0).reverse()) await close();
  });
  return (close) => void pending.push(close);
}

/** Starts a provider and records its events; it is closed after the test. */
export async function startTracked(
  harness: Harness,
  cleanup: (close: () => unknown) => void,
  options: SimulatorKnobs,
): Promise<HarnessInstance & { events: SimulatorEvent[] }> {
  const events: SimulatorEvent[] = [];
  const instance = await harness.start({
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  cleanup(() => instance.close());
  return Object.assign(instance, { events });
}

/** Sends a request and reads the JSON answer. */
export async function request(
  url: string,
  init: { method?: string; body?: string; contentType?: string | null } = {},
): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  const contentType = init.contentType === undefined ? 'application/json' : init.contentType;
  if (contentType !== null && init.body !== undefined) headers['content-type'] = contentType;
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : '' };
}

/** POSTs a JSON body. */
export function postJson(url: string, body: unknown): Promise<JsonAnswer> {
  return request(url, { body: JSON.stringify(body) });
}

/** The statuses of `status` events for one call, in order. */
export function statusEvents(events: SimulatorEvent[], callId: string): string[] {
  return events.flatMap((e) => (e.type === 'status' && e.callId === callId ? [e.status] : []));
}

/** Waits a while in real time, to show that something does NOT happen. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const WAIT = { timeout: 5000, interval: 5 };
