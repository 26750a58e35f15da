import { strictObject } from '@ringkit/internal';
import { decodeCursor, type Suppression } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import { streamedBody } from '../body.js';
import { ApiError } from '../http-errors.js';
import type { Runtime } from '../runtime.js';
import { limitParam, phoneParam, route } from '../validate.js';

/** A do-not-call entry as the API answers it. */
export function serializeSuppression(entry: Suppression) {
  return {
    phone_number: entry.phone,
    reason: entry.reason,
    created_at: entry.createdAt.toISOString(),
    until: entry.until?.toISOString() ?? null,
  };
}

const createBody = strictObject(
  {
    phone_number: phoneParam,
    // Checked (1–200 characters, a future ISO 8601 time) by the package, for this route and
    // every line of an import alike.
    reason: z.string().optional(),
    until: z.string().nullable().optional(),
  },
  { phone: 'phone_number', to: 'phone_number', number: 'phone_number', expires: 'until' },
  'field',
);

const phoneParams = z.strictObject({ phone: phoneParam });

/**
 * The do-not-call list (`runtime.suppressions`, written to the scheduler's store and the
 * campaigns'): `POST /` puts a number on it (201), `GET /` pages it, `GET /:phone` and
 * `DELETE /:phone` read and remove one entry (404 when the number is not on it), and
 * `POST /import` reads a CSV of `phone[,reason[,until]]` as it streams. Each change goes out as
 * a `suppression` event: `{ phone_number }`, `null` after an import (many numbers at once).
 */
export function suppressionsRouter(runtime: Runtime): Router {
  const router = Router();
  const list = runtime.suppressions;
  const changed = (phone: string | null) =>
    runtime.hub.publish('suppression', { phone_number: phone });

  router.post(
    '/',
    ...route({ body: createBody }, async ({ body }, res) => {
      const entry = await list.suppress(body.phone_number, {
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        ...(body.until === undefined ? {} : { until: body.until }),
      });
      changed(entry.phone);
      res.status(201).json(serializeSuppression(entry));
    }),
  );

  router.get(
    '/',
    ...route(
      {
        query: z.strictObject({
          cursor: z
            .string()
            .max(500)
            .refine((c) => decodeCursor(c) !== null, 'not a cursor from next_cursor')
            .optional(),
          limit: limitParam(500, 50),
          // One number's entry, or none: a page's check without a 404 in the browser's console.
          phone_number: phoneParam.optional(),
        }),
      },
      async ({ query }, res) => {
        if (query.phone_number !== undefined) {
          const entry = await list.get(query.phone_number);
          res.json({ items: entry ? [serializeSuppression(entry)] : [], next_cursor: null });
          return;
        }
        const page = await list.list({ cursor: query.cursor ?? null, limit: query.limit });
        res.json({ items: page.items.map(serializeSuppression), next_cursor: page.nextCursor });
      },
    ),
  );

  router.post(
    '/import',
    ...route(
      { query: z.strictObject({ reason: z.string().min(1).max(200).optional() }) },
      async ({ query }, res, req) => {
        if (!req.is('text/csv')) {
          throw new ApiError(415, 'unsupported_media_type', 'Send the list as text/csv');
        }
        const result = await list.import(
          streamedBody(req),
          query.reason === undefined ? {} : { reason: query.reason },
        );
        if (result.imported > 0) changed(null);
        res.json({ imported: result.imported, refused: result.refused, errors: result.errors });
      },
    ),
  );

  router.get(
    '/:phone',
    ...route({ params: phoneParams }, async ({ params }, res) => {
      const entry = await list.get(params.phone);
      if (!entry) throw new ApiError(404, 'not_found', `${params.phone} is not on the list`);
      res.json(serializeSuppression(entry));
    }),
  );

  router.delete(
    '/:phone',
    ...route({ params: phoneParams }, async ({ params }, res) => {
      if (!(await list.unsuppress(params.phone))) {
        throw new ApiError(404, 'not_found', `${params.phone} is not on the list`);
      }
      changed(params.phone);
      res.json({ phone_number: params.phone, removed: true });
    }),
  );
  return router;
}
