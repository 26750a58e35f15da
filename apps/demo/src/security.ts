import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from './config.js';

/**
 * Who may drive the demo (DESIGN § apps/demo "Who may drive it"): the Host check against DNS
 * rebinding, CORS for the app's own origin and `ALLOWED_ORIGINS` only, JSON-only mutating
 * routes, `API_TOKEN`, and a rate limit on mutating routes.
 */

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const jsonError = (code: string, message: string) => ({ error: { code, message } });

function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

function hostOfOrigin(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Whether `HOST` keeps the server on this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.');
}

/**
 * Refuses requests whose `Host` is not one this server answers to (421): a page on another
 * site that a DNS trick points at 127.0.0.1 sends its own name, not ours. Allowed: localhost and
 * the loopback addresses, the host of `PUBLIC_URL`, and `HOST` when it names one.
 */
export function hostCheck(config: Config): RequestHandler {
  const allowed = new Set([...LOOPBACK_HOSTS]);
  if (config.PUBLIC_URL) allowed.add(new URL(config.PUBLIC_URL).hostname);
  if (!['0.0.0.0', '::'].includes(config.HOST)) allowed.add(hostnameOf(config.HOST) ?? config.HOST);
  return (req, res, next) => {
    const hostname = hostnameOf(req.headers.host ?? '');
    if (hostname !== null && (allowed.has(hostname) || hostname.startsWith('127.'))) {
      next();
      return;
    }
    res
      .status(421)
      .json(
        jsonError(
          'misdirected_request',
          'This server does not answer to that Host; set PUBLIC_URL to the address it is reached at',
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

/**
 * Mutating API routes take JSON only (`415` otherwise): a foreign page cannot send JSON without
 * a preflight, which CORS refuses. A request without a body needs no type.
 */
export const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!MUTATING.has(req.method) || (!hasBody && req.headers['content-type'] === undefined)) {
    next();
    return;
  }
  if (req.is('application/json')) {
    next();
    return;
  }
  res
    .status(415)
    .json(
      jsonError(
        'unsupported_media_type',
        `${req.method} ${req.baseUrl}${req.path} takes application/json only`,
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
