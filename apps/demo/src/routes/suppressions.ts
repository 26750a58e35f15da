import { strictObject } from '@ringkit/internal';
import {
  decodeCursor,
  isCsvSyntaxError,
  isSuppressionImportError,
  type Suppression,
  type SuppressionImport,
} from '@ringkit/scheduler-core';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { closeAfterAnswer, streamedBody } from '../body.js';
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

/** What an import wrote, as the API answers it. */
const counts = (result: SuppressionImport) => ({
  imported: result.imported,
  refused: result.refused,
  errors: result.errors,
});

/**
 * The one do-not-call list (`runtime.suppressions`, in the scheduler's store, which every
 * campaign reads before each request): `POST /` puts a number on it (201), `GET /` pages it, `GET /:phone` and
 * `DELETE /:phone` read and remove one entry (404 when the number is not on it), and
 * `POST /import` reads a CSV of `phone[,reason[,until]]` as it streams, through scheduler-core's
 * `readCsv()` (the campaign upload's reader), writing its entries in batches as it goes. A CSV
 * that cannot be read (a quote out of place) stops the import at the record it starts on:
 * `400 invalid_csv` names that line, and the lines before it stay listed, their counts in the
 * answer. A body that stops coming (`408`), grows past its limit (`413`) or is cut off keeps
 * its lines read before the stop the same way; each import is logged with its counts. Each
 * change goes out as a `suppression` event: `{ phone_number }`, `null` after an import (many
 * numbers at once).
 */
export function suppressionsRouter(
  runtime: Pick<Runtime, 'suppressions' | 'hub' | 'config' | 'logger'>,
): Router {
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
        const body = streamedBody(req, res, runtime.config.REQUEST_TIMEOUT_MS);
        const options = query.reason === undefined ? {} : { reason: query.reason };
        let result: SuppressionImport;
        try {
          result = await list.import(body, options);
        } catch (error) {
          if (!isSuppressionImportError(error)) throw error;
          stopped(error.result, error.cause, req, res);
          return;
        }
        runtime.logger.info(
          { imported: result.imported, refused: result.refused },
          'do-not-call import done',
        );
        if (result.imported > 0) changed(null);
        res.json(counts(result));
      },
    ),
  );

  /**
   * An import that stopped before the end of its CSV: logged with what it listed, and answered
   * with the counts (unless the client went away).
   */
  function stopped(result: SuppressionImport, cause: unknown, req: Request, res: Response) {
    if (result.imported > 0) changed(null);
    const line = isCsvSyntaxError(cause) ? cause.line : undefined;
    const why = cause instanceof Error ? cause.message : String(cause);
    runtime.logger.warn(
      { imported: result.imported, refused: result.refused, line, reason: why },
      'do-not-call import stopped',
    );
    const numbers = `${result.imported} number${result.imported === 1 ? '' : 's'}`;
    const lines = `${result.refused} line${result.refused === 1 ? '' : 's'}`;
    const written = `${numbers} listed before it, ${lines} refused`;
    if (req.socket.destroyed) return;
    closeAfterAnswer(req, res);
    if (isCsvSyntaxError(cause)) {
      throw new ApiError(400, 'invalid_csv', `The CSV cannot be read: ${why}; ${written}`, {
        line,
        ...counts(result),
      });
    }
    if (cause instanceof ApiError) {
      throw new ApiError(cause.status, cause.code, `${why}; ${written}`, counts(result));
    }
    throw cause;
  }

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
