/** Talking to the demo's JSON API from the browser. */
import { localTimes } from './format.js';

let defaultBase = '';

/** The base URL used by elements without an `api` attribute (embed.js sets its own origin). */
export function setDefaultApi(base: string): void {
  defaultBase = base;
}

const TOKEN_KEY = 'ringkit:api-token';

/**
 * The server's `API_TOKEN`, when it has one: entered once in the page's token form (or given in
 * the page address as `#token=…`, taken out of the address at once), and kept for the tab in
 * `sessionStorage`.
 */
export function apiToken(): string | null {
  if (typeof location !== 'undefined') {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!));
      history.replaceState(null, '', location.pathname + location.search);
    }
  }
  return typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem(TOKEN_KEY);
}

/**
 * Keeps `token` for the tab (or forgets it with `null`) and tells the page: `rk-api-token` on
 * the document, upon which the elements load again and the event streams reopen.
 */
export function setApiToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent('rk-api-token', { detail: { given: Boolean(token) } }));
}

/** Calls `handler` each time the page's API token changes; returns the unsubscribe function. */
export function onApiTokenChange(handler: () => void): () => void {
  if (typeof document === 'undefined') return () => {};
  document.addEventListener('rk-api-token', handler);
  return () => document.removeEventListener('rk-api-token', handler);
}

/**
 * The server answered 401 to a request sent with `sent` (`null`: none): the token is forgotten,
 * without reloading anything, and `rk-token-needed` goes to the document (the token form asks
 * for one; `refused` when a token was sent). Nothing happens when the page holds another token
 * by now: one given while the request was on its way is not the one refused, and the elements
 * load again with it.
 */
export function tokenNeeded(sent: string | null): void {
  if (apiToken() !== sent) return;
  const refused = sent !== null;
  if (refused) sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent('rk-token-needed', { detail: { refused } }));
}

/** What an element shows for a 401, rather than the server's words for developers. */
export const TOKEN_NEEDED_MESSAGE =
  'This server needs its access token: enter it in the form at the top of the page.';
export const TOKEN_REFUSED_MESSAGE =
  'The access token was refused: enter it again in the form at the top of the page.';

/** The API base for an element: its `api` attribute, else the default (same origin). */
export function apiBase(attribute: string | null | undefined): string {
  return (attribute ?? defaultBase).replace(/\/+$/, '');
}

/** One problem the API found with the input, as its `details.issues` list them. */
export interface ApiIssue {
  /** Where the field is: `body`, `query` or `params`. */
  in?: string;
  path: (string | number)[];
  /** zod's code, or the answer's own code for a refusal without issues (`campaign_exists`). */
  code?: string;
  message: string;
}

/** A non-2xx answer, with the API's `{ error: { code, message, details } }`. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The issues of a 400, each with the field it is about. */
  get issues(): ApiIssue[] {
    const issues = (this.details as { issues?: ApiIssue[] } | undefined)?.issues;
    return Array.isArray(issues) ? issues : [];
  }
}

export async function request<T>(
  base: string,
  path: string,
  init: {
    method?: string;
    /** Sent as JSON. */
    body?: unknown;
    /** Sent as it is, with its type (a CSV upload: `text/csv`), instead of `body`. */
    text?: { content: string; type: string };
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  let response: Response;
  const token = apiToken();
  const type = init.text?.type ?? (init.body === undefined ? undefined : 'application/json');
  try {
    response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(type === undefined ? {} : { 'content-type': type }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: init.text
        ? init.text.content
        : init.body === undefined
          ? null
          : JSON.stringify(init.body),
      signal: init.signal ?? null,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiRequestError(0, 'network', unreachable(base));
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status === 401) {
    tokenNeeded(token);
    throw new ApiRequestError(
      401,
      'unauthorized',
      token === null ? TOKEN_NEEDED_MESSAGE : TOKEN_REFUSED_MESSAGE,
    );
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } })
      ?.error;
    throw new ApiRequestError(
      response.status,
      error?.code ?? 'http_error',
      // Its times in the viewer's time zone, as the page says times.
      localTimes(error?.message ?? `The server answered ${response.status}`),
      error?.details,
    );
  }
  return json as T;
}

/**
 * Why a request got no answer. A browser tells a server that is down from one that refuses this
 * page's origin (CORS) in no way a script can see, so another origin's message names both.
 */
function unreachable(base: string): string {
  const here = typeof location === 'undefined' ? null : location.origin;
  let there: string | null = null;
  try {
    there = new URL(base, here ?? undefined).origin;
  } catch {
    // an unreadable base: said as is below
  }
  if (here && there && there !== here) {
    return `${there} cannot be reached, or does not let ${here} use it (its ALLOWED_ORIGINS).`;
  }
  return 'The server cannot be reached. Is it running?';
}

/** What a form shows for a refusal: a sentence under each field, and under `form` what is about none. */
export type FieldErrors<F extends string> = Partial<Record<F | 'form', string>>;

/** `text` as a sentence: its first letter a capital, a full stop at its end. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * How every form reads a failed request: each issue of a `400` (`details.issues`, each with the
 * path of its field) goes to the field `fieldOf` names, the first one of each field kept, and
 * becomes a sentence: after `lead[field]` when given (`'This number cannot be called: '`), its
 * times in the viewer's time zone. An answer without issues (`409 campaign_exists`,
 * `400 invalid_csv`…) is read as one issue with the answer's code and message; one that is
 * about no field, or any other failure, goes to `form`.
 */
export function fieldErrors<F extends string>(
  error: unknown,
  fieldOf: (issue: ApiIssue) => F | undefined,
  lead: Partial<Record<F, string>> = {},
): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  if (!(error instanceof ApiRequestError)) {
    errors.form = sentence(localTimes(String((error as Error)?.message ?? error)));
    return errors;
  }
  const issues = error.issues;
  const read =
    issues.length > 0 ? issues : [{ path: [], code: error.code, message: error.message }];
  for (const issue of read) {
    const field = fieldOf(issue);
    const words = localTimes(issue.message);
    if (field === undefined) {
      const path = issue.path.join('.');
      errors.form ??= sentence(path === '' ? words : `${path}: ${words}`);
    } else {
      errors[field] ??= sentence(issues.length > 0 ? `${lead[field] ?? ''}${words}` : words);
    }
  }
  return errors;
}

/**
 * A download link of the API (`<a href download>`), clicked: followed as it is without a token;
 * with one, fetched with it (a link cannot carry the header) and saved as `filename`. Rejects
 * when the server does not answer 2xx.
 */
export async function downloadWithToken(event: MouseEvent, filename: string): Promise<void> {
  const token = apiToken();
  if (!token) return;
  event.preventDefault();
  const link = event.currentTarget as HTMLAnchorElement;
  const response = await fetch(link.href, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`The server answered ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const save = document.createElement('a');
  save.href = url;
  save.download = filename;
  save.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
