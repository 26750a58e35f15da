import type {
  StatusCallbackDeliverer,
  TelnyxWebhookDeliverer,
  VonageWebhookDeliverer,
  WebhookDeliverer,
} from './types.js';

/** Sends one HTTP request: `fetch`, or `fetch(bypass(...))` under MSW. */
export type SendRequest = (url: string, init: RequestInit) => Promise<Response>;

export interface WebhookDelivererOptions {
  /** Retries after the first attempt, on a network error or a 5xx. */
  retries?: number;
  /** Wait before the first retry, doubled for each next one, in ms. */
  backoffMs?: number;
}

/**
 * The default webhook sender: POSTs the body as JSON, retries on a network error or a 5xx with
 * a doubling backoff, gives up at once on any other non-2xx, and stops when the signal aborts.
 */
export function createWebhookDeliverer(
  send: SendRequest,
  options: WebhookDelivererOptions = {},
): WebhookDeliverer {
  return (url, body, { signal }) =>
    sendWithRetries(send, options, url, signal, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
}

/** The default sender of Twilio status callbacks: the request as given, with the same retries. */
export function createStatusCallbackDeliverer(
  send: SendRequest,
  options: WebhookDelivererOptions = {},
): StatusCallbackDeliverer {
  return (request, { signal }) =>
    sendWithRetries(send, options, request.url, signal, {
      method: request.method,
      headers: request.headers,
      ...(request.method === 'POST' ? { body: request.body } : {}),
    });
}

/** The default sender of Telnyx webhooks: the signed JSON `POST` as given, with the same retries. */
export function createTelnyxWebhookDeliverer(
  send: SendRequest,
  options: WebhookDelivererOptions = {},
): TelnyxWebhookDeliverer {
  return (request, { signal }) =>
    sendWithRetries(send, options, request.url, signal, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
}

/** The default sender of Vonage events: the signed JSON `POST` as given, with the same retries. */
export function createVonageWebhookDeliverer(
  send: SendRequest,
  options: WebhookDelivererOptions = {},
): VonageWebhookDeliverer {
  return (request, { signal }) =>
    sendWithRetries(send, options, request.url, signal, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
}

async function sendWithRetries(
  send: SendRequest,
  options: WebhookDelivererOptions,
  url: string,
  signal: AbortSignal,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<void> {
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 25;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), signal);
    let response: Response;
    try {
      response = await send(url, { ...init, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      lastError = new Error(`webhook ${init.method} ${url} failed: ${networkReason(error)}`, {
        cause: error,
      });
      continue;
    }
    // Read the answer so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    lastError = new Error(`webhook ${init.method} ${url} answered ${response.status}`);
    if (response.status < 500) throw lastError;
  }
  throw lastError;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `ECONNREFUSED` and the like, from fetch's `TypeError: fetch failed` and its cause. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
