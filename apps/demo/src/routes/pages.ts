import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../http-errors.js';
import { route } from '../validate.js';

/**
 * The built front end (`dist/public`): one HTML page per route, the hashed assets, and
 * `/embed.js` for other sites. Without a build, pages answer a JSON 503 saying so.
 */
export function pagesRouter(publicDir: string | undefined): Router {
  const router = Router();
  // Pages take any query string (campaign tags and the like); they read none of it.
  const query = z.record(z.string(), z.unknown());
  const built = publicDir !== undefined && existsSync(join(publicDir, 'index.html'));

  function page(file: string, res: Response) {
    if (!built) {
      throw new ApiError(503, 'not_built', 'The front end is not built: run `pnpm build` first');
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(join(publicDir!, file));
  }

  router.get('/', ...route({ query }, (_input, res) => page('index.html', res)));
  router.get('/dialer', ...route({ query }, (_input, res) => page('dialer.html', res)));
  router.get('/calls', ...route({ query }, (_input, res) => page('calls.html', res)));
  router.get('/ops', ...route({ query }, (_input, res) => page('ops.html', res)));
  router.get('/do-not-call', ...route({ query }, (_input, res) => page('do-not-call.html', res)));
  router.get('/agents', ...route({ query }, (_input, res) => page('agents.html', res)));
  // Campaigns live on the dialer's page, below its list.
  router.get(
    '/campaigns',
    ...route({ query }, (_input, res) => res.redirect(302, '/dialer#campaigns')),
  );
  // The page shows the API's answer for a number it cannot read; any text up to 64 goes here.
  router.get(
    '/calls/:phone',
    ...route(
      { query, params: z.strictObject({ phone: z.string().min(1).max(64) }) },
      (_input, res) => page('calls.html', res),
    ),
  );

  if (built) {
    router.get('/embed.js', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300');
      res.sendFile(join(publicDir!, 'embed.js'));
    });
    router.use(
      '/assets',
      express.static(join(publicDir!, 'assets'), { immutable: true, maxAge: '1y', index: false }),
    );
  }
  return router;
}

/** Paths that only ever answer JSON (or a provider's format), found or not. */
const MACHINE_PATHS = /^\/(api|webhooks|metrics|healthz)(\/|$)/;

/**
 * A `GET` or `HEAD` of an unknown page from a browser (it asks for HTML before JSON): the built
 * 404 page, with links to the pages that exist, status 404. Anything else (the API, webhooks, a
 * client that asks for JSON or for anything, another method) goes on to the JSON 404.
 */
export function notFoundPage(publicDir: string | undefined): RequestHandler {
  const file = publicDir === undefined ? undefined : join(publicDir, '404.html');
  const built = file !== undefined && existsSync(file);
  return (req, res, next) => {
    const wantsPage =
      built &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !MACHINE_PATHS.test(req.path) &&
      req.accepts(['json', 'html']) === 'html';
    if (!wantsPage) {
      next();
      return;
    }
    res.status(404).set('Cache-Control', 'no-cache');
    res.sendFile(file!);
  };
}
