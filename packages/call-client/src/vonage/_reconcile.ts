import { storable } from '@ringkit/internal';
import { z } from 'zod';
import type { ListedCall } from '../twilio/_reconcile.js';

/**
 * A call's `uuid`, wherever Vonage gives one (a create's answer, a call read, a list of calls):
 * ringkit stores it as the call's provider id, so it must be text every store keeps as given.
 */
export const callUuidSchema = storable(z.string().trim().min(1).max(256));

/** An endpoint of a listed call (`to`, `from`): one object, or a list of them. */
const endpointSchema = z.union([
  z.looseObject({ number: z.string().nullish() }),
  z.array(z.looseObject({ number: z.string().nullish() })),
]);

/** A call as `GET /v1/calls/{uuid}` reads it and `GET /v1/calls` lists it (`CallDetailResponse`). */
export const callDetailSchema = z.looseObject({
  uuid: callUuidSchema,
  status: storable(z.string().trim().min(1).max(64)),
  direction: z.string().nullish(),
  to: endpointSchema.nullish(),
  from: endpointSchema.nullish(),
  start_time: z.string().nullish(),
});

export type VonageCallDetail = z.infer<typeof callDetailSchema>;

/** A page of `GET /v1/calls` (`CallPageResponse`): the calls sit in `_embedded.calls`. */
export const callPageSchema = z.looseObject({
  count: z.number().int().nonnegative().nullish(),
  _embedded: z.looseObject({ calls: z.array(callDetailSchema) }).nullish(),
});

/** The most calls `GET /v1/calls` returns in a page (`page_size`, 1–100). */
export const PAGE_SIZE = 100;
/** The pages read per look-up, at most: 1,000 calls made since the placement began. */
export const MAX_PAGES = 10;

/**
 * The query of one page of calls that began at `since` (ms) or later, newest first: `date_start`
 * is the only time filter `GET /v1/calls` has (besides `status` and `conversation_uuid`, it has
 * no filter by number, so the numbers are matched here).
 */
export function listQuery(since: number, page: number): URLSearchParams {
  return new URLSearchParams({
    date_start: new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    page_size: String(PAGE_SIZE),
    record_index: String(page * PAGE_SIZE),
    order: 'desc',
  });
}

/**
 * Vonage's call times, in ms: `YYYY-MM-DD HH:MM:SS` in UTC as its reference writes them, or ISO
 * 8601 as its API also sends them; `null` when missing or unreadable.
 */
export function parseVonageTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const text = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)
    ? `${value.replace(' ', 'T')}Z`
    : value;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

function numbersOf(endpoint: z.infer<typeof endpointSchema> | null | undefined): string[] {
  if (!endpoint) return [];
  return (Array.isArray(endpoint) ? endpoint : [endpoint]).flatMap((e) =>
    e.number ? [e.number.replace(/^\+/, '')] : [],
  );
}

/**
 * The listed calls that this client could have placed to `to` from `from` (both as the Voice API
 * writes numbers, without `+`): outbound, to that number, from that number. Vonage sends a
 * call's `start_time` with its end only, so a call still ringing has none: it is dated `since`,
 * which the list's `date_start` already guarantees, so it is taken for one made in the window.
 */
export function candidatesOf<T>(
  calls: readonly VonageCallDetail[],
  input: { to: string; from: string; since: number; toCall: (c: VonageCallDetail) => T },
): ListedCall<T>[] {
  return calls
    .filter(
      (c) =>
        (c.direction ?? 'outbound') === 'outbound' &&
        numbersOf(c.to).includes(input.to) &&
        numbersOf(c.from).includes(input.from),
    )
    .map((c) => ({
      sid: c.uuid,
      createdAt: parseVonageTime(c.start_time) ?? input.since,
      call: input.toCall(c),
    }));
}
