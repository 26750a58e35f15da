import { SCHEDULED_CALL_STATUSES, decodeCursor, type ScheduleInput } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { callOptionFields, toCallOptions } from '../call-options.js';
import { timeZoneParam as timezone, toCallingWindow, windowBody } from '../calling-window.js';
import type { Runtime } from '../runtime.js';
import { retryField, toRetry } from '../retry.js';
import { serializeCall } from '../serialize.js';
import { limitParam, listParam, phoneParam, route } from '../validate.js';

const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2030-01-01T09:00:00+01:00',
});
const createBody = strictObject(
  {
    phone_number: phoneParam,
    scheduled_time: isoTime.optional(),
    /** The recurrence's time zone when `recurrence.timezone` is left out. */
    timezone: timezone.optional(),
    recurrence: z
      .strictObject({ cron: z.string().min(1).max(120), timezone: timezone.optional() })
      .optional(),
    window: windowBody.optional(),
    max_attempts: z.int().min(1).max(10).optional(),
    retry_backoff: z
      .strictObject({
        delay_ms: z.int().min(0).max(86_400_000).optional(),
        factor: z.number().min(1).max(10).optional(),
        max_delay_ms: z.int().min(0).max(604_800_000).optional(),
      })
      .optional(),
    // Each outcome's own delay and cap (`retry_backoff` beside it is refused by the scheduler).
    retry: retryField.optional(),
    // Checked for depth, size and JSON values by the scheduler, which never recurses into it first.
    metadata: z.record(z.string(), z.unknown()).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    // What the call says and whether it detects a machine: refused by the scheduler when the
    // provider cannot honour them (GET /api/capabilities says which it can).
    ...callOptionFields,
  },
  {
    // What the packages and other APIs call these: the scheduler's `at` and `to`, `scheduledAt`.
    scheduledat: 'scheduled_time',
    at: 'scheduled_time',
    time: 'scheduled_time',
    dueat: 'scheduled_time',
    when: 'scheduled_time',
    to: 'phone_number',
    phone: 'phone_number',
    number: 'phone_number',
    say: 'message',
    text: 'message',
    amd: 'machine_detection',
    maxattempts: 'max_attempts',
    attempts: 'max_attempts',
    backoff: 'retry_backoff',
  },
  'field',
).refine((body) => body.scheduled_time !== undefined || body.recurrence !== undefined, {
  path: ['scheduled_time'],
  message: 'is required (it may be left out only with a recurrence)',
});

const idParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'not a call id'),
});

const cursor = z
  .string()
  .max(500)
  .refine((c) => decodeCursor(c) !== null, 'not a cursor from next_cursor');

const listQuery = z.strictObject({
  status: listParam(z.enum(SCHEDULED_CALL_STATUSES)).optional(),
  phone_number: phoneParam.optional(),
  cursor: cursor.optional(),
  limit: limitParam(200, 50),
});

export function scheduledCallsRouter(runtime: Pick<Runtime, 'scheduler'>): Router {
  const { scheduler } = runtime;
  const router = Router();

  router.post(
    '/',
    ...route({ body: createBody }, async ({ body }, res) => {
      const input: ScheduleInput = { to: body.phone_number };
      if (body.scheduled_time !== undefined) input.at = body.scheduled_time;
      if (body.recurrence) {
        input.recurrence = {
          cron: body.recurrence.cron,
          timezone: body.recurrence.timezone ?? body.timezone ?? 'UTC',
        };
      }
      if (body.window) input.window = toCallingWindow(body.window);
      if (body.max_attempts !== undefined) input.maxAttempts = body.max_attempts;
      if (body.retry_backoff) {
        const { delay_ms, factor, max_delay_ms } = body.retry_backoff;
        input.retryBackoff = {};
        if (delay_ms !== undefined) input.retryBackoff.delayMs = delay_ms;
        if (factor !== undefined) input.retryBackoff.factor = factor;
        if (max_delay_ms !== undefined) input.retryBackoff.maxDelayMs = max_delay_ms;
      }
      if (body.retry) input.retry = toRetry(body.retry);
      if (body.metadata) input.metadata = body.metadata;
      if (body.idempotency_key) input.idempotencyKey = body.idempotency_key;
      const call = toCallOptions(body);
      if (call) input.call = call;
      const scheduled = await scheduler.schedule(input);
      res
        .status(201)
        .location(`/api/scheduled-calls/${scheduled.id}`)
        .json(serializeCall(scheduled));
    }),
  );

  router.get(
    '/',
    ...route({ query: listQuery }, async ({ query }, res) => {
      const page = await scheduler.list({
        status: query.status,
        to: query.phone_number,
        cursor: query.cursor ?? null,
        limit: query.limit,
      });
      res.json({ items: page.items.map(serializeCall), next_cursor: page.nextCursor });
    }),
  );

  router.get(
    '/:id',
    ...route({ params: idParams }, async ({ params }, res) => {
      res.json(serializeCall(await scheduler.get(params.id)));
    }),
  );

  router.patch(
    '/:id',
    ...route(
      { params: idParams, body: z.strictObject({ scheduled_time: isoTime }) },
      async ({ params, body }, res) => {
        const call = await scheduler.reschedule(params.id, body.scheduled_time);
        res.json(serializeCall(call));
      },
    ),
  );

  router.delete(
    '/:id',
    ...route({ params: idParams }, async ({ params }, res) => {
      res.json(serializeCall(await scheduler.cancel(params.id)));
    }),
  );

  return router;
}
