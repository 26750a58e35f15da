import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { errorHandler, notFound } from './http-errors.js';
import { createHttpLogger } from './logger.js';
import { callsRouter } from './routes/calls.js';
import { dialerRouter, webhooksRouter } from './routes/dialer.js';
import { eventsRouter } from './routes/events.js';
import { pagesRouter } from './routes/pages.js';
import { scheduledCallsRouter } from './routes/scheduled-calls.js';
import type { Runtime } from './runtime.js';

export interface AppOptions {
  /** The built front end; pages answer 503 without it. */
  publicDir?: string | undefined;
  /** `false` while shutting down: `/healthz` answers 503. */
  isReady?: () => boolean;
}

/** The largest JSON body the API reads; a larger one is a 413. */
export const BODY_LIMIT = '16kb';

/**
 * Any origin may call the API and load `/embed.js`, so `<rk-dialer api="http://host:4000">`
 * works on another site. There are no cookies, so nothing is gained by a cross-site request.
 */
const cors: RequestHandler = (req, res, next) => {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Last-Event-ID',
    'Access-Control-Max-Age': '600',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  });
  if (req.method === 'OPTIONS') res.status(204).end();
  else next();
};

/** The demo's HTTP app: the JSON API, the provider webhooks, live events and the pages. */
export function createApp(runtime: Runtime, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(createHttpLogger(runtime.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Lit adopts constructed style sheets; 'unsafe-inline' covers browsers that need <style>.
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'"],
        },
      },
      // Served over plain HTTP on localhost: no upgrade, no HSTS.
      strictTransportSecurity: false,
    }),
  );

  app.get('/healthz', (_req, res) => {
    const ready = options.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'shutting_down' });
  });

  app.use('/webhooks', webhooksRouter(runtime));

  app.use(['/api', '/embed.js'], cors);
  app.use('/api', express.json({ limit: BODY_LIMIT }));
  app.use('/api/scheduled-calls', scheduledCallsRouter(runtime));
  app.use('/api/dialer', dialerRouter(runtime));
  app.use('/api/calls', callsRouter(runtime));
  app.use('/api/events', eventsRouter(runtime));

  app.use(pagesRouter(options.publicDir));
  app.use(notFound);
  app.use(errorHandler(runtime.logger));
  return app;
}
