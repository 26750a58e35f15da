import {
  checkParams,
  isProblem,
  problem,
  TWILIO_ERRORS,
  type FormParams,
  type ParamProblem,
} from './_twilio-format.js';
import { LIST_PARAMS } from './_twilio-params.js';

/** The statuses a call resource can have (`call_enum_status`). */
export const RESOURCE_STATUSES = [
  'queued',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const;

/** What the list filters and orders by. */
export interface ListedCall {
  sid: string;
  to: string;
  from: string;
  status: string;
  /** The creation order, for calls created in the same millisecond. */
  order: number;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** A time bound of `StartTime`/`EndTime`: a day (`YYYY-MM-DD`) or an instant (ISO 8601). */
type Bound = { day: [number, number] } | { instant: number };

interface ListQuery {
  filters: Array<(call: ListedCall) => boolean>;
  /** The filters as given, in a fixed order, for the page URIs. */
  canonical: Array<[string, string]>;
  page: number;
  pageSize: number;
}

const DAY_MS = 86_400_000;

function readBound(name: string, value: string): Bound | ParamProblem {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (new Date(start).toISOString().slice(0, 10) === value)
      return { day: [start, start + DAY_MS] };
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value))) {
    return { instant: Date.parse(value) };
  }
  return problem(
    TWILIO_ERRORS.unknownParameter,
    `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got ${value}`,
  );
}

/** `=` the same UTC day (or instant); `<` before the day (or instant); `>` on or after it. */
function matchTime(bound: Bound, op: '' | '<' | '>', at: number | null): boolean {
  if (at === null) return false;
  if ('instant' in bound) {
    if (op === '<') return at < bound.instant;
    if (op === '>') return at >= bound.instant;
    const start = bound.instant - (bound.instant % DAY_MS);
    return at >= start && at < start + DAY_MS;
  }
  const [start, end] = bound.day;
  if (op === '<') return at < start;
  if (op === '>') return at >= start;
  return at >= start && at < end;
}

/** Reads the filters and paging of `GET …/Calls.json`. */
export function parseListQuery(params: FormParams): ListQuery | ParamProblem {
  const read = checkParams(params, LIST_PARAMS);
  if (isProblem(read)) return read;
  const filters: ListQuery['filters'] = [];
  const canonical: ListQuery['canonical'] = [];
  for (const name of ['To', 'From', 'ParentCallSid'] as const) {
    const value = read(name);
    if (value === undefined) continue;
    canonical.push([name, value]);
    if (name === 'ParentCallSid')
      filters.push(() => false); // no call here has a parent
    else if (name === 'To') filters.push((call) => call.to === value);
    else filters.push((call) => call.from === value);
  }
  const status = read('Status');
  if (status !== undefined) {
    if (!(RESOURCE_STATUSES as readonly string[]).includes(status)) {
      return problem(
        TWILIO_ERRORS.unknownParameter,
        `Status must be one of ${RESOURCE_STATUSES.join(', ')}, got ${status}`,
      );
    }
    canonical.push(['Status', status]);
    filters.push((call) => call.status === status);
  }
  for (const field of ['StartTime', 'EndTime'] as const) {
    for (const op of ['', '<', '>'] as const) {
      const value = read(`${field}${op}`);
      if (value === undefined) continue;
      const bound = readBound(`${field}${op}`, value);
      if (isProblem(bound)) return bound;
      canonical.push([`${field}${op}`, value]);
      filters.push((call) =>
        matchTime(bound, op, field === 'StartTime' ? call.startedAt : call.endedAt),
      );
    }
  }
  const pageSize = readInt(read('PageSize'), 50, 1, 1000, 'PageSize');
  if (isProblem(pageSize)) return pageSize;
  const page = readInt(read('Page'), 0, 0, Number.MAX_SAFE_INTEGER, 'Page');
  if (isProblem(page)) return page;
  return { filters, canonical, page, pageSize };
}

function readInt(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number | ParamProblem {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (/^\d+$/.test(value) && n >= min && n <= max) return n;
  return problem(
    TWILIO_ERRORS.unknownParameter,
    `${name} must be an integer from ${min} to ${max}, got ${value}`,
  );
}

/** One page of the matching calls, newest first, in Twilio's list shape. */
export function listPage<T extends ListedCall>(
  calls: readonly T[],
  query: ListQuery,
  listUri: string,
  render: (call: T) => unknown,
) {
  const matching = calls
    .filter((call) => query.filters.every((keep) => keep(call)))
    .sort((a, b) => b.createdAt - a.createdAt || b.order - a.order);
  const start = query.page * query.pageSize;
  const items = matching.slice(start, start + query.pageSize);
  const uriOf = (page: number) => {
    const search = new URLSearchParams(query.canonical);
    search.set('PageSize', String(query.pageSize));
    search.set('Page', String(page));
    return `${listUri}?${search.toString()}`;
  };
  return {
    calls: items.map(render),
    end: start + Math.max(items.length - 1, 0),
    first_page_uri: uriOf(0),
    next_page_uri: start + query.pageSize < matching.length ? uriOf(query.page + 1) : null,
    page: query.page,
    page_size: query.pageSize,
    previous_page_uri: query.page > 0 ? uriOf(query.page - 1) : null,
    start,
    uri: uriOf(query.page),
  };
}
