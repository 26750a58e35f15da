import type { CallProvider } from '@ringkit/call-client';
import {
  checkCampaignList,
  isCampaignCsvError,
  isInvalidCampaignListError,
  isUnsupportedListOptionError,
  readCampaignCsv,
  type CampaignListRow,
} from '@ringkit/dialer';
import { decodeCursor } from '@ringkit/scheduler-core';
import { Router, type RequestHandler } from 'express';
import { formatIssues, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { rawBody } from '../body.js';
import { CAMPAIGN_NAME_PATTERN, campaignNameProblem } from '../campaign-name.js';
import { campaignPacing, generatedName } from './campaign-create.js';
import {
  modeFields,
  modeOptions,
  modeParams,
  withAgentRefusals,
  type FieldsIn,
  type ModeInput,
} from './campaign-mode.js';
import { toCallingWindow, windowBody } from '../calling-window.js';
import {
  refuseDialerRunName,
  type CampaignNumber,
  type CreateCampaignInput,
} from '../campaigns.js';
import { resultColumns, resultLine, sendCsv } from './_results-csv.js';
import { ApiError } from '../http-errors.js';
import type { Runtime } from '../runtime.js';
import { retryField, toRetry } from '../retry.js';
import { serializeCampaign, serializeDialerEntry } from '../serialize.js';
import { limitParam, numberParam, route } from '../validate.js';

/** Numbers in one campaign at most. */
export const MAX_CAMPAIGN_NUMBERS = 10_000;

/**
 * A campaign's name (see campaign-name.ts): its id in the store and in the API's paths; a refused
 * one gets a name that would do.
 */
export const campaignName = z.string().regex(CAMPAIGN_NAME_PATTERN, {
  error: (issue) => campaignNameProblem(String(issue.input)),
});

const options = {
  name: campaignName.optional(),
  concurrency: z.int().min(1).max(100).optional(),
  calls_per_second: z.number().positive().max(1000).optional(),
  weight: z.int().min(1).max(100).optional(),
  max_attempts: z.int().min(1).max(10).optional(),
};

/** A number as an object; what `say` may be is checked with the CSV's, row by row (checkRows). */
const numberObject = strictObject(
  { phone: z.string().max(64), say: z.string().optional() },
  { phonenumber: 'phone', number: 'phone', to: 'phone', message: 'say' },
  'field',
);
const createBody = strictObject(
  {
    ...options,
    ...modeFields,
    window: windowBody.optional(),
    // Each outcome's own delay and cap: in a JSON body only (a CSV upload's options are its query).
    retry: retryField.optional(),
    numbers: z
      .array(
        // An object gets its own errors, not the union's "Invalid input".
        z.union([z.string().max(64), numberObject], {
          error: (issue) =>
            issue.code === 'invalid_union' && typeof issue.input === 'object'
              ? formatIssues(issue.errors[1] ?? [])
              : undefined,
        }),
      )
      .min(1)
      .max(MAX_CAMPAIGN_NUMBERS),
  },
  { phones: 'numbers', list: 'numbers', entries: 'numbers', maxattempts: 'max_attempts' },
  'field',
);

/** The options of a CSV upload, in its query string. */
const csvQuery = z.strictObject({
  name: campaignName.optional(),
  concurrency: numberParam(z.number().int().min(1).max(100)),
  calls_per_second: numberParam(z.number().positive().max(1000)),
  weight: numberParam(z.int().min(1).max(100)),
  max_attempts: numberParam(z.number().int().min(1).max(10)),
  ...modeParams,
});

const idParams = z.strictObject({ id: campaignName });

const listQuery = z.strictObject({
  cursor: z
    .string()
    .max(500)
    .refine((c) => decodeCursor(c) !== null, 'not a cursor from next_cursor')
    .optional(),
  limit: limitParam(100, 20),
  /** `1`: archived campaigns are listed too. */
  archived: z.enum(['0', '1']).optional(),
});

const entriesQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^[0-9]{1,7}$/, 'not a cursor from next_cursor')
    .transform(Number)
    .optional(),
  limit: limitParam(1000, 500),
});

/**
 * The list's numbers, every row checked before anything is created, by the dialer's one check of
 * a list (`checkCampaignList`: its number, and what its call says, with call-client's rule for
 * `say` and what `provider` refuses): `400 invalid_numbers` lists every field refused, by row
 * (the CSV's line, or the index in `numbers`); rows that say something when the provider cannot
 * speak at all are `400 unsupported_call_option`, naming them.
 */
async function checkRows(
  rows: CampaignListRow[],
  provider: CallProvider,
): Promise<CampaignNumber[]> {
  try {
    return await checkCampaignList(rows, { provider });
  } catch (error) {
    if (isInvalidCampaignListError(error)) {
      throw new ApiError(400, 'invalid_numbers', error.message, { invalid_numbers: error.issues });
    }
    if (isUnsupportedListOptionError(error)) throw cannotSpeak(error.provider, error.rows);
    throw error;
  }
}

/**
 * `400 unsupported_call_option` for rows that give their call something to say when the
 * provider cannot speak: the first few named by their line (a CSV's, as the form's box counts
 * them) or their index in `numbers`, in the words of the list (`say`), no route to look up.
 */
function cannotSpeak(
  provider: string,
  rows: readonly { row: number; line?: number; index?: number }[],
): ApiError {
  const csv = rows.every((r) => r.line !== undefined);
  const named = rows.slice(0, 3).map((r) => String(r.row));
  const more = rows.length > 3 ? ` and ${rows.length - 3} more` : '';
  const which = csv
    ? `${rows.length === 1 ? 'Line' : 'Lines'} ${named.join(', ')}${more}`
    : `${rows.length === 1 ? 'Row' : 'Rows'} ${named.join(', ')}${more} of numbers`;
  const message =
    `${which} ${rows.length === 1 ? 'has' : 'have'} something to say (phone,say), but this ` +
    "server's call provider cannot speak: list the numbers alone";
  return new ApiError(400, 'unsupported_call_option', message, {
    provider,
    option: 'message',
    rows: [...rows],
  });
}

/** The rows of an uploaded CSV (the dialer's `readCampaignCsv`): `400 invalid_csv` at its line. */
async function csvRows(body: Buffer): Promise<CampaignListRow[]> {
  try {
    return await readCampaignCsv(body);
  } catch (error) {
    if (isCampaignCsvError(error)) {
      throw new ApiError(400, 'invalid_csv', error.message, { line: error.line });
    }
    throw error;
  }
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

/** The options both create routes take alike, in the package's words, and the rest of `input`. */
function sharedOptions<
  T extends {
    name?: string | undefined;
    concurrency?: number | undefined;
    calls_per_second?: number | undefined;
    weight?: number | undefined;
    max_attempts?: number | undefined;
  },
>(input: T) {
  const { name, concurrency, calls_per_second, weight, max_attempts, ...rest } = input;
  return {
    options: {
      name,
      concurrency,
      callsPerSecond: calls_per_second,
      weight,
      maxAttempts: max_attempts,
    },
    rest,
  };
}

/** `/api/campaigns`: durable campaigns, several at once (see the API table in `docs/demo/http-api.md`). */
export function campaignsRouter(
  runtime: Pick<Runtime, 'campaigns' | 'campaignProvider' | 'config'>,
): Router {
  const { campaigns, campaignProvider, config } = runtime;
  const router = Router();

  /**
   * One create, for both routes: `modes` (the mode and the agents' settings) from the body or
   * the query, `where` names which in a refusal.
   */
  async function create(
    rows: CampaignListRow[],
    input: Omit<CreateCampaignInput, 'name' | 'numbers' | 'budget' | 'mode' | 'agents'> & {
      name?: string | undefined;
      weight?: number | undefined;
    },
    modes: ModeInput,
    where: FieldsIn,
  ) {
    const { weight, ...rest } = input;
    const paced = campaignPacing(config, { callsPerSecond: input.callsPerSecond, weight });
    const agents = modeOptions(modes, where);
    const numbers = await checkRows(rows, campaignProvider);
    const chosen = input.name ?? generatedName();
    refuseDialerRunName(chosen);
    return await withAgentRefusals(
      () => campaigns.create({ ...rest, ...paced, ...agents, name: chosen, numbers }),
      where,
    );
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
      const rows = await csvRows(body);
      if (rows.length === 0) {
        throw new ApiError(400, 'invalid_csv', 'The CSV lists no number');
      }
      if (rows.length > MAX_CAMPAIGN_NUMBERS) {
        const count = (n: number) => n.toLocaleString('en-US');
        throw new ApiError(
          400,
          'invalid_csv',
          `The list has ${count(rows.length)} numbers; a campaign takes at most ${count(MAX_CAMPAIGN_NUMBERS)}`,
        );
      }
      const { options, rest: modes } = sharedOptions(query);
      const view = await create(rows, options, modes, 'query');
      created(res, view);
    }),
  );

  router.post(
    '/',
    ...route({ body: createBody }, async ({ body }, res) => {
      const rows = body.numbers.map((n, i) =>
        typeof n === 'string'
          ? { row: i + 1, at: { index: i }, phone: n.trim(), say: undefined }
          : { row: i + 1, at: { index: i }, phone: n.phone.trim(), say: n.say },
      );
      const { options, rest } = sharedOptions(body);
      const { window, retry, numbers: _numbers, ...modes } = rest;
      const view = await create(
        rows,
        {
          ...options,
          window: window && toCallingWindow(window),
          retry: retry && toRetry(retry),
        },
        modes,
        'body',
      );
      created(res, view);
    }),
  );

  router.get(
    '/',
    ...route({ query: listQuery }, async ({ query }, res) => {
      const page = await campaigns.list({
        cursor: query.cursor ?? null,
        limit: query.limit,
        archived: query.archived === '1',
      });
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
      // A missing campaign rejects the first read: a JSON 404.
      await sendCsv(res, {
        filename: `${params.id}-results.csv`,
        columns: resultColumns,
        rows: campaigns.results(params.id),
        line: resultLine,
      });
    }),
  );

  return router;
}
