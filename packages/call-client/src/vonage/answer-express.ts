import {
  checkLimitBytes,
  type RawBodyHttpRequest,
  type RawBodyHttpResponse,
  type RawBodyLimitOption,
  rawBodyExpressHandler,
} from '../webhooks/_raw-express.js';
import { VONAGE_PARSED_BODY } from './express.js';
import {
  createVonageAnswerHandler,
  type VonageAnswerHandlerOptions,
  type VonageAnswerResponse,
} from './answer.js';

/** The parts of an Express (or Node `http`) request the answer handler reads. */
export interface VonageAnswerHttpRequest extends RawBodyHttpRequest {
  method?: string;
  /** The path and query as requested (Node's `url`). */
  url?: string;
  /** The path and query before any router rewrote `url` (Express's `originalUrl`), read first. */
  originalUrl?: string;
}

/** The parts of an Express response the answer handler writes. */
export type VonageAnswerHttpResponse = RawBodyHttpResponse;

/** Options of {@link createExpressVonageAnswerHandler}. */
export interface ExpressVonageAnswerHandlerOptions
  extends VonageAnswerHandlerOptions, RawBodyLimitOption {}

/**
 * {@link createVonageAnswerHandler} as an Express route handler for calls to the application's
 * numbers: mount it for `GET` and `POST` (`app.all` or `app.route(…).get(…).post(…)`) where the
 * application's answer URL points, and give that URL as `eventUrl`. It reads a `POST`'s raw body
 * itself (or takes the string or `Buffer` of `express.raw()`/`express.text()`), checks its
 * signed JWT, and answers `200` with the NCCO (JSON), `204` (an action's event), `400` (bad
 * fields), `401` (no, forged or stale token, a body or query that is not the one signed, or a
 * body `express.json()` already parsed), `403` (another application's, or an event URL it did
 * not write), `405` (not `GET` or `POST`), `413` (over `limitBytes`) or `500` (`onUpdate`
 * failed). Errors reading the request go to `next`.
 *
 * @example
 * app.all(
 *   '/webhooks/vonage/answer',
 *   createExpressVonageAnswerHandler({
 *     signatureSecret: process.env.VONAGE_SIGNATURE_SECRET!,
 *     eventUrl: 'https://app.example/webhooks/vonage/answer',
 *     policy: { action: 'voicemail', message: 'Please leave a message after the beep.' },
 *     onUpdate: (update) => console.log(update.callId, update.status),
 *   }),
 * );
 */
export function createExpressVonageAnswerHandler(options: ExpressVonageAnswerHandlerOptions) {
  const { limitBytes = 65_536, ...handlerOptions } = options;
  checkLimitBytes('createExpressVonageAnswerHandler', limitBytes);
  const handle = createVonageAnswerHandler(handlerOptions);
  return rawBodyExpressHandler<VonageAnswerHttpRequest, VonageAnswerHttpResponse>({
    limitBytes,
    parsedBody: VONAGE_PARSED_BODY,
    hasBody: (req) => methodOf(req) === 'POST',
    respond: async (req, res, rawBody) => {
      const url = req.originalUrl ?? req.url ?? '/';
      send(res, await handle({ method: methodOf(req), url, rawBody, headers: req.headers }));
    },
  });
}

const methodOf = (req: VonageAnswerHttpRequest) => (req.method ?? 'GET').toUpperCase();

function send(res: VonageAnswerHttpResponse, answer: VonageAnswerResponse) {
  if (answer.status === 200) res.status(200).json(answer.ncco);
  else if (answer.status === 204) res.status(204).end();
  else res.status(answer.status).json(answer.body);
}
