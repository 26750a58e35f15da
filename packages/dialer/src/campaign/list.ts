/**
 * A campaign's list as a person sends it: a CSV of `phone[,say]` (`readCampaignCsv`), or rows
 * taken from a JSON body, and the one check of every row before anything is created
 * (`checkCampaignList`): its number, and what its call says. An app that takes lists over HTTP
 * (the demo's JSON and CSV routes) runs both through these, so no route accepts what another
 * refuses, and every refusal names the row a person finds in the file.
 */
import {
  checkCallOptions,
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  isValidPhoneNumber,
  sayTextSchema,
  type CallProvider,
  type CountryCode,
} from '@ringkit/call-client';
import { countryCodeSchema, mapInSlices } from '@ringkit/internal';
import { isCsvSyntaxError, readCsv, type CsvRecord, type CsvSource } from '@ringkit/scheduler-core';
import { z } from 'zod';
import {
  CampaignCsvError,
  invalidOptions,
  InvalidCampaignListError,
  UnsupportedListOptionError,
  type CampaignListIssue,
} from '../errors.js';

/** One row of a list as it was sent. */
export interface CampaignListRow {
  /** The row as its sender counts it, from 1: a CSV's line, or its place in a JSON list. */
  row: number;
  /** Where it is in the sender's words: `{ line }` in a CSV, `{ index }` (from 0) in a list. */
  at: { line: number } | { index: number };
  /** The number as sent (spaces around it are not part of it). */
  phone: string;
  /** What its call says when answered, as sent; `undefined`: nothing. */
  say?: string | undefined;
}

/** A checked row, as `Campaigns.create` and `createDialer` take it. */
export type CampaignListNumber = string | { phone: string; call: { say: string } };

/** Options of {@link checkCampaignList}. */
export interface CheckCampaignListOptions {
  /** The provider the campaign's calls go through: what it cannot say is refused now. */
  provider: CallProvider;
  /** The country of numbers written without one. @default 'US' */
  defaultCountry?: CountryCode;
}

/**
 * What `checkCampaignList` takes: a list of rows as {@link CampaignListRow} says (each row is read
 * in its slice of time, with the rest of its checks), and a provider.
 */
const listSchema = z.array(z.unknown());
const rowSchema = z.strictObject({
  row: z.int().min(0),
  at: z.union([
    z.strictObject({ line: z.int().min(1) }),
    z.strictObject({ index: z.int().min(0) }),
  ]),
  phone: z.string(),
  say: z.string().optional(),
});
const optionsSchema = z.object({
  provider: z.custom<CallProvider>(
    (p) => typeof p === 'object' && p !== null && typeof (p as CallProvider).name === 'string',
    'must be a call provider',
  ),
  defaultCountry: countryCodeSchema.optional(),
});

/** A refusal of zod's own in the words of the rest of the API (`must be at most …`). */
const plain = (issue: z.core.$ZodIssue) =>
  issue.code === 'too_big' ? `must be at most ${String(issue.maximum)} characters` : issue.message;

/**
 * Checks every row of a list before anything is created: its number (a phone number, in
 * `defaultCountry` when written without a country), and what its call says with the one check
 * of every message (call-client's `sayTextSchema`, then what `provider` refuses). Rows
 * are checked in slices of time, so a list of 10,000 never holds the event loop for long.
 *
 * Resolves to the rows as `Campaigns.create` takes them (a number alone where nothing is said).
 * @throws InvalidOptionsError for rows not shaped as {@link CampaignListRow}, or no provider
 * @throws InvalidCampaignListError listing every field refused, by row
 * @throws UnsupportedListOptionError naming the rows that say something when `provider` cannot
 *   speak at all, once the rows are otherwise valid
 */
export async function checkCampaignList(
  rows: readonly CampaignListRow[],
  options: CheckCampaignListOptions,
): Promise<CampaignListNumber[]> {
  /** The rows' malformed `issues`, where `path` is the place in `rows`. */
  const malformed = (path: PropertyKey[], issues: z.core.$ZodIssue[]) =>
    invalidOptions(
      'checkCampaignList',
      issues.map((i) => ({ ...i, path: ['rows', ...path, ...i.path] })),
    );
  const list = listSchema.safeParse(rows);
  if (!list.success) throw malformed([], list.error.issues);
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('checkCampaignList', parsed.error.issues);
  const { provider } = options;
  const defaultCountry = options.defaultCountry ?? 'US';
  const issues: CampaignListIssue[] = [];
  const speaking: CampaignListRow[] = [];
  const check = (row: unknown, i: number): CampaignListNumber => {
    const shaped = rowSchema.safeParse(row);
    if (!shaped.success) throw malformed([i], shaped.error.issues);
    const r: CampaignListRow = shaped.data;
    const where = { row: r.row, ...r.at };
    const phone = r.phone.trim();
    if (!isValidPhoneNumber(phone, { defaultCountry })) {
      issues.push({
        ...where,
        field: 'phone',
        phone: r.phone,
        message: 'not a valid phone number',
      });
    }
    if (r.say === undefined) return phone;
    const said = sayTextSchema.safeParse(r.say);
    if (!said.success) {
      for (const issue of said.error.issues) {
        issues.push({ ...where, field: 'say', phone: r.phone, message: plain(issue) });
      }
      return phone;
    }
    try {
      return { phone, call: { say: checkCallOptions(provider, { say: said.data }).say! } };
    } catch (error) {
      if (isUnsupportedCallOptionError(error)) {
        speaking.push(r);
        return phone;
      }
      if (!isInvalidOptionsError(error)) throw error;
      for (const issue of error.issues) {
        issues.push({ ...where, field: 'say', phone: r.phone, message: issue.message });
      }
      return phone;
    }
  };
  // In slices of time, not of rows: a row's check costs from a few to a hundred microseconds
  // (its number's metadata, its message), and three lists checked at once take turns.
  const numbers = await mapInSlices(rows, check);
  if (issues.length > 0) throw new InvalidCampaignListError(rows.length, issues);
  if (speaking.length > 0) {
    throw new UnsupportedListOptionError(
      provider.name,
      speaking.map((r) => ({ row: r.row, ...r.at })),
    );
  }
  return numbers;
}

/**
 * The rows of a CSV list: `phone[,say]`, with or without a header naming those columns (in any
 * order, `say` optional), read by scheduler-core's `readCsv()` (every line end, a byte-order
 * mark, quotes; lines counted as an editor counts them). Blank lines are skipped. An empty `say`
 * cell, as a spreadsheet writes a missing value, says nothing; any other text, blank or not, is
 * left to {@link checkCampaignList}.
 * @throws CampaignCsvError (with its `line`) for a CSV that cannot be read, a header that names
 *   other columns, or a row of more columns than the list has
 */
export async function readCampaignCsv(source: CsvSource): Promise<CampaignListRow[]> {
  let records: CsvRecord[] = [];
  try {
    for await (const record of readCsv(source)) records.push(record);
  } catch (error) {
    if (isCsvSyntaxError(error)) {
      throw new CampaignCsvError(`The CSV cannot be read: ${error.message}`, error.line, {
        cause: error,
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
      throw new CampaignCsvError(
        `line ${first.line}: a header names the columns phone and say (optional), once each; got ${header.join(', ')}`,
        first.line,
      );
    }
    columns = { phone: header.indexOf('phone'), say: header.indexOf('say') };
    records = records.slice(1);
  }
  const width = columns.say === -1 ? 1 : 2;
  const wide = records.find((r) => r.fields.length > width);
  if (wide) {
    throw new CampaignCsvError(
      `line ${wide.line}: ${wide.fields.length} columns, expected ${width === 1 ? 'phone' : 'phone[,say]'}`,
      wide.line,
    );
  }
  return records.map((r) => {
    const text = columns.say === -1 ? '' : (r.fields[columns.say] ?? '');
    return {
      row: r.line,
      at: { line: r.line },
      phone: (r.fields[columns.phone] ?? '').trim(),
      say: text === '' ? undefined : text,
    };
  });
}
