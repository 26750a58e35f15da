import { randomBytes } from 'node:crypto';
import { callOptionsSchema, isValidPhoneNumber } from '@ringkit/call-client';
import type { DialerEntry } from '@ringkit/dialer';
import { decodeCursor } from '@ringkit/scheduler-core';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { rawBody } from '../body.js';
import { DEFAULT_CAMPAIGN, type CampaignNumber, type CreateCampaignInput } from '../campaigns.js';
import { csvLine, CsvSyntaxError, parseCsv } from '../csv.js';
import { ApiError } from '../http-errors.js';
import type { Runtime } from '../runtime.js';
import { serializeCampaign, serializeDialerEntry } from '../serialize.js';
import { limitParam, route } from '../validate.js';

/** Numbers in one campaign at most. */
export const MAX_CAMPAIGN_NUMBERS = 10_000;

/** A campaign's name: its id in the store and in the API's paths. */
const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
    'must be 1 to 100 of A-Z a-z 0-9 _ . - starting with a letter or a digit',
  );

const say = callOptionsSchema.shape.say.unwrap();

const options = {
  name: name.optional(),
  concurrency: z.int().min(1).max(100).optional(),
  calls_per_second: z.number().positive().max(1000).optional(),
  max_attempts: z.int().min(1).max(10).optional(),
};

const createBody = z.strictObject({
  ...options,
  numbers: z
    .array(
      z.union([
        z.string().max(64),
        z.strictObject({ phone: z.string().max(64), say: say.optional() }),
      ]),
    )
    .min(1)
    .max(MAX_CAMPAIGN_NUMBERS),
});

/** A number in a query string. */
const numberParam = <T extends z.ZodNumber>(schema: T) =>
  z
    .string()
    .regex(/^[0-9]{1,6}(\.[0-9]{1,6})?$/, 'must be a number written in decimal digits')
    .transform(Number)
    .pipe(schema)
    .optional();

/** The options of a CSV upload, in its query string. */
const csvQuery = z.strictObject({
  name: name.optional(),
  concurrency: numberParam(z.number().int().min(1).max(100)),
  calls_per_second: numberParam(z.number().positive().max(1000)),
  max_attempts: numberParam(z.number().int().min(1).max(10)),
});

const idParams = z.strictObject({ id: name });

const listQuery = z.strictObject({
  cursor: z
    .string()
    .max(500)
    .refine((c) => decodeCursor(c) !== null, 'not a cursor from next_cursor')
    .optional(),
  limit: limitParam(100, 20),
});

const entriesQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^[0-9]{1,7}$/, 'not a cursor from next_cursor')
    .transform(Number)
    .optional(),
  limit: limitParam(1000, 500),
});

/** One row of the list as sent: its number and what its call says. */
interface ListRow {
  /** The row as the client counts it: the CSV's line, or the position in `numbers` from 1. */
  row: number;
  phone: string;
  say: string | undefined;
}

/** `400` listing every row whose number is not one. */
function toNumbers(rows: ListRow[]): CampaignNumber[] {
  const invalid = rows.filter((r) => !isValidPhoneNumber(r.phone));
  if (invalid.length > 0) {
    const listed = invalid.slice(0, 5).map((r) => `row ${r.row} (${JSON.stringify(r.phone)})`);
    throw new ApiError(
      400,
      'invalid_numbers',
      `${invalid.length} of ${rows.length} numbers are not valid phone numbers: ${listed.join(', ')}` +
        (invalid.length > 5 ? ', …' : ''),
      {
        invalid_numbers: invalid.map((r) => ({
          row: r.row,
          phone: r.phone,
          message: 'not a valid phone number',
        })),
      },
    );
  }
  return rows.map((r) =>
    r.say === undefined ? r.phone : { phone: r.phone, call: { say: r.say } },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The rows of an uploaded CSV: `phone[,say]`, with or without a header naming those columns
 * (in any order). Blank lines are skipped.
 */
function csvRows(body: Buffer): ListRow[] {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ApiError(400, 'invalid_csv', 'The CSV is not valid UTF-8');
  }
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      throw new ApiError(400, 'invalid_csv', `The CSV cannot be read: ${error.message}`, {
        line: error.line,
      });
    }
    throw error;
  }
  let columns = { phone: 0, say: 1 };
  const first = records[0];
  const header = first?.fields.map((f) => f.trim().toLowerCase());
  if (
    first &&
    header &&
    !isValidPhoneNumber(header[0]!) &&
    header.every((h) => /^[a-z_ ]+$/.test(h))
  ) {
    const unknown = header.filter((h) => h !== 'phone' && h !== 'say');
    if (unknown.length > 0 || !header.includes('phone') || new Set(header).size !== header.length) {
      throw new ApiError(
        400,
        'invalid_csv',
        `line ${first.line}: a header names the columns phone and say (optional), once each; got ${header.join(', ')}`,
        { line: first.line },
      );
    }
    columns = { phone: header.indexOf('phone'), say: header.indexOf('say') };
    records = records.slice(1);
  }
  const width = columns.say === -1 ? 1 : 2;
  const wide = records.find((r) => r.fields.length > width);
  if (wide) {
    throw new ApiError(
      400,
      'invalid_csv',
      `line ${wide.line}: ${wide.fields.length} columns, expected ${width === 1 ? 'phone' : 'phone[,say]'}`,
      { line: wide.line },
    );
  }
  return records.map((r) => {
    const text = columns.say === -1 ? '' : (r.fields[columns.say] ?? '');
    return {
      row: r.line,
      phone: (r.fields[columns.phone] ?? '').trim(),
      say: text === '' ? undefined : text,
    };
  });
}

/** A name for a campaign created without one: `campaign-20300101-090000-1a2b`. */
function generatedName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `campaign-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Only `POST /api/campaigns` with `Content-Type: text/csv` goes on to the CSV route. */
const isCsv: RequestHandler = (req, _res, next) => {
  if (!req.is('text/csv')) {
    next('route');
    return;
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ApiError(415, 'unsupported_charset', `Send CSV in UTF-8, not ${charset}`);
  }
  next();
};

const resultColumns = [
  'index',
  'phone',
  'status',
  'attempts',
  'call_id',
  'started_at',
  'ended_at',
  'answered_by',
  'error',
];

const iso = (date: Date | null) => (date === null ? '' : date.toISOString());

function resultLine(entry: DialerEntry): string {
  return csvLine([
    entry.index,
    entry.phone,
    entry.status,
    entry.attempts,
    entry.callId,
    iso(entry.startedAt),
    iso(entry.endedAt),
    entry.answeredBy,
    entry.error?.reason,
  ]);
}

/** `/api/campaigns`: durable campaigns, several at once (see the README's API table). */
export function campaignsRouter(runtime: Runtime): Router {
  const { campaigns } = runtime;
  const router = Router();

  async function create(input: Omit<CreateCampaignInput, 'name'> & { name?: string | undefined }) {
    const chosen = input.name ?? generatedName();
    if (chosen === DEFAULT_CAMPAIGN) {
      throw new ApiError(
        409,
        'campaign_exists',
        `The name "${DEFAULT_CAMPAIGN}" is the configured list's (POST /api/dialer/start)`,
      );
    }
    return campaigns.create({ ...input, name: chosen });
  }

  const created = (res: Parameters<RequestHandler>[1], view: Awaited<ReturnType<typeof create>>) =>
    res
      .status(201)
      .location(`/api/campaigns/${encodeURIComponent(view.campaign.id)}`)
      .json(serializeCampaign(view));

  router.post(
    '/',
    isCsv,
    rawBody,
    ...route({ query: csvQuery, body: z.instanceof(Buffer) }, async ({ query, body }, res) => {
      const rows = csvRows(body);
      if (rows.length === 0) {
        throw new ApiError(400, 'invalid_csv', 'The CSV lists no number');
      }
      if (rows.length > MAX_CAMPAIGN_NUMBERS) {
        throw new ApiError(
          400,
          'invalid_csv',
          `At most ${MAX_CAMPAIGN_NUMBERS} numbers per campaign`,
        );
      }
      const view = await create({
        name: query.name,
        numbers: toNumbers(rows),
        concurrency: query.concurrency,
        callsPerSecond: query.calls_per_second,
        maxAttempts: query.max_attempts,
      });
      created(res, view);
    }),
  );

  router.post(
    '/',
    ...route({ body: createBody }, async ({ body }, res) => {
      const rows = body.numbers.map((n, i) =>
        typeof n === 'string'
          ? { row: i + 1, phone: n.trim(), say: undefined }
          : { row: i + 1, phone: n.phone.trim(), say: n.say },
      );
      const view = await create({
        name: body.name,
        numbers: toNumbers(rows),
        concurrency: body.concurrency,
        callsPerSecond: body.calls_per_second,
        maxAttempts: body.max_attempts,
      });
      created(res, view);
    }),
  );

  router.get(
    '/',
    ...route({ query: listQuery }, async ({ query }, res) => {
      const page = await campaigns.list({ cursor: query.cursor ?? null, limit: query.limit });
      res.json({ items: page.items.map(serializeCampaign), next_cursor: page.nextCursor });
    }),
  );

  router.get(
    '/:id',
    ...route({ params: idParams, query: entriesQuery }, async ({ params, query }, res) => {
      const { view, snapshot } = await campaigns.get(params.id);
      const from = query.cursor ?? 0;
      const entries = snapshot.entries.slice(from, from + query.limit);
      const next = from + entries.length;
      res.json({
        ...serializeCampaign(view),
        entries: entries.map(serializeDialerEntry),
        next_cursor: next < snapshot.entries.length ? String(next) : null,
      });
    }),
  );

  for (const action of ['pause', 'resume', 'stop'] as const) {
    router.post(
      `/:id/${action}`,
      ...route({ params: idParams }, async ({ params }, res) => {
        res.json(serializeCampaign(await campaigns[action](params.id)));
      }),
    );
  }

  router.get(
    '/:id/results.csv',
    ...route({ params: idParams }, async ({ params }, res) => {
      const { snapshot } = await campaigns.get(params.id);
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .attachment(`${params.id}-results.csv`)
        .send(csvLine(resultColumns) + snapshot.entries.map(resultLine).join(''));
    }),
  );

  return router;
}
