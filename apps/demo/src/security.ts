import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from './config.js';
import {
  hostAllowed,
  isLoopbackName,
  listenHostName,
  parseHost,
  urlHostEntry,
  type HostEntry,
} from './hosts.js';

/**
 * Who may drive the demo (DESIGN § apps/demo "Who may drive it"): the Host check against DNS
 * rebinding, CORS for the app's own origin and `ALLOWED_ORIGINS` only, JSON-only mutating
 * routes, `API_TOKEN`, and a rate limit on mutating routes.
 */

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const jsonError = (code: string, message: string) => ({ error: { code, message } });

function hostOfOrigin(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Whether `HOST` keeps the server on this machine: a loopback literal, not a name like one. */
export function isLoopback(host: string): boolean {
  const parsed = listenHostName(host);
  return parsed !== null && parsed.port === undefined && isLoopbackName(parsed.name);
}

/** The names this server answers to besides the loopback literals. */
function hostEntries(config: Config): HostEntry[] {
  const entries: HostEntry[] = config.ALLOWED_HOSTS.map(({ name, port }) =>
    port === undefined ? { name } : { name, ports: [port] },
  );
  const listen = ['0.0.0.0', '::'].includes(config.HOST) ? null : listenHostName(config.HOST);
  if (listen) entries.push({ name: listen.name });
  const publicHost = config.PUBLIC_URL ? urlHostEntry(config.PUBLIC_URL) : null;
  if (publicHost) entries.push(publicHost);
  return entries;
}

/** The first value of a header a proxy may have set, or repeated. */
function firstValue(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return text === '' ? undefined : text;
}

/** How many `Host` headers a request carries (Node keeps the first of several). */
function hostHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'host') count += 1;
  }
  return count;
}

/**
 * Refuses a request whose `Host` is not exactly one this server answers to, with `421`: a page
 * on another site that a DNS trick points at this server still sends its own name. Allowed: the
 * loopback literals (`localhost`, `127.x.y.z` written as four decimal octets, `[::1]`) with any
 * port, `HOST` with any port, the host of `PUBLIC_URL` with its port, and `ALLOWED_HOSTS` (with
 * the port each names, or any). Names compare case-insensitively, without one trailing dot.
 * With `TRUST_PROXY`, a proxy's `X-Forwarded-Host` is what the client sent, so it is the name
 * checked when present; without it that header is ignored. A request with two `Host` headers is
 * refused too.
 */
export function hostCheck(config: Config): RequestHandler {
  const entries = hostEntries(config);
  return (req, res, next) => {
    const forwarded = config.TRUST_PROXY ? firstValue(req.headers['x-forwarded-host']) : undefined;
    const host = parseHost(forwarded ?? req.headers.host ?? '');
    if (host !== null && hostAllowed(host, entries) && hostHeaders(req.rawHeaders) === 1) {
      next();
      return;
    }
    res
      .status(421)
      .json(
        jsonError(
          'misdirected_request',
          'This server does not answer to the Host this request names; add it to ALLOWED_HOSTS, or set PUBLIC_URL to the address the server is reached at',
        ),
      );
  };
}

/**
 * CORS for the app's own origin (the one its `Host` names, and `PUBLIC_URL`'s) and
 * `ALLOWED_ORIGINS`: they get `Access-Control-Allow-Origin` and preflights; any other origin
 * gets no CORS headers, a `403` to a preflight, and a `403` to a mutating request (a "simple"
 * request such as a `text/plain` POST needs no preflight, so it is refused here).
 */
export function cors(config: Config): RequestHandler {
  const listed = new Set(config.ALLOWED_ORIGINS);
  if (config.PUBLIC_URL) listed.add(new URL(config.PUBLIC_URL).origin);
  return (req, res, next) => {
    // The embed script is public code any page may load with <script src> (which sends no
    // Origin); what it calls is what CORS guards.
    if (req.baseUrl === '/embed.js' || req.path === '/embed.js') {
      res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (req.method === 'OPTIONS') res.status(204).end();
      else next();
      return;
    }
    res.vary('Origin');
    const own = hostOfOrigin(origin) === req.headers.host;
    if (own || listed.has(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization, Last-Event-ID',
        'Access-Control-Max-Age': '600',
        'Cross-Origin-Resource-Policy': 'cross-origin',
      });
      if (req.method === 'OPTIONS') res.status(204).end();
      else next();
      return;
    }
    if (req.method === 'OPTIONS' || MUTATING.has(req.method)) {
      res
        .status(403)
        .json(
          jsonError(
            'origin_not_allowed',
            `Requests from ${origin} are not allowed; add it to ALLOWED_ORIGINS`,
          ),
        );
      return;
    }
    next();
  };
}

/** The one mutating route that also takes `text/csv`: a campaign's list, uploaded as a file. */
const CSV_ROUTE = /^\/(campaigns|suppressions\/import)\/?$/;

/**
 * Mutating API routes take JSON only (`415` otherwise), and `POST /api/campaigns` a CSV upload
 * (`text/csv`) too: a foreign page can send neither without a preflight (only
 * `application/x-www-form-urlencoded`, `multipart/form-data` and `text/plain` are "simple"),
 * which CORS refuses. A request without a body needs no type.
 */
export const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!MUTATING.has(req.method) || (!hasBody && req.headers['content-type'] === undefined)) {
    next();
    return;
  }
  const csv = req.method === 'POST' && CSV_ROUTE.test(req.path);
  if (req.is('application/json') || (csv && req.is('text/csv'))) {
    next();
    return;
  }
  res
    .status(415)
    .json(
      jsonError(
        'unsupported_media_type',
        `${req.method} ${req.baseUrl}${req.path} takes application/json${csv ? ' or text/csv' : ''} only`,
      ),
    );
};

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * With `API_TOKEN` set, every `/api` request needs `Authorization: Bearer <token>` (compared in
 * constant time), or `access_token=<token>` on `GET /api/events`, since a browser's EventSource
 * cannot send headers. Without it, nothing is asked.
 */
export function bearerAuth(config: Config): RequestHandler {
  const token = config.API_TOKEN;
  if (!token) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.get('authorization');
    const bearer = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
    const fromQuery =
      req.method === 'GET' &&
      (req.path === '/events' || req.path === '/ops/events') &&
      typeof req.query['access_token'] === 'string'
        ? req.query['access_token']
        : undefined;
    const given = bearer ?? fromQuery;
    if (given !== undefined && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="ringkit"')
      .json(
        jsonError(
          'unauthorized',
          'This server needs its API token: send Authorization: Bearer <API_TOKEN>',
        ),
      );
  };
}

/** At most `RATE_LIMIT` mutating API requests per client and minute; more get `429`. */
export function mutationRateLimit(config: Config): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: config.RATE_LIMIT,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => !MUTATING.has(req.method),
    handler: (_req, res, _next, options) => {
      res
        .status(options.statusCode)
        .json(
          jsonError(
            'rate_limited',
            `More than ${config.RATE_LIMIT} changes a minute from this client; try again later`,
          ),
        );
    },
  });
}
