/**
 * The do-not-call list: `createSuppressionList({ store })`. The list lives in the store, beside
 * the calls, and every claim checks it in its own transaction (see `Store`), so no worker places
 * a suppressed number, whichever process put it on the list and whenever.
 */
import { systemClock, toE164, type Clock, type CountryCode } from '@ringkit/call-client';
import {
  clockSchema,
  countryCodeSchema,
  storable,
  strictObject,
  unstorableText,
} from '@ringkit/internal';
import { z } from 'zod';
import { csvSourceIssue, readCsv, type CsvSource } from './csv.js';
import {
  invalidOptions,
  SuppressionImportError,
  ValidationError,
  type SuppressionImport,
  type ValidationIssue,
} from './errors.js';
import { encodeCursor, type Store, type StoredSuppression } from './store.js';
import { custom, isoDateTime, keyAfter, zodIssues } from './_validate.js';

/** A number on the do-not-call list. */
export interface Suppression {
  /** The number, in E.164. */
  phone: string;
  /** Why it may not be called; every call it stops ends with it (`suppressed` event, timeline). */
  reason: string;
  /** When it was put on the list (or its entry last replaced). */
  createdAt: Date;
  /** When it comes off the list by itself; `null`: never. */
  until: Date | null;
}

/** What `suppress()` takes besides the number. */
export interface SuppressOptions {
  /**
   * Why (at most 200 characters).
   * @default 'do not call'
   */
  reason?: string;
  /** When the number may be called again: a `Date` or an ISO-8601 string, in the future. */
  until?: Date | string | null;
}

/** A page of the list, in code-point order of the numbers. */
export interface SuppressionPage {
  items: Suppression[];
  nextCursor: string | null;
}

/** The do-not-call list of a store. */
export interface SuppressionList {
  /** Puts `phone` on the list, or replaces its entry; resolves to the entry. */
  suppress(phone: string, options?: SuppressOptions): Promise<Suppression>;
  /** Takes `phone` off the list; `true` when it was on it. */
  unsuppress(phone: string): Promise<boolean>;
  /** Whether a claim now would stop a call to `phone`. */
  isSuppressed(phone: string): Promise<boolean>;
  /** The entry of `phone` while it suppresses, else `null`. */
  get(phone: string): Promise<Suppression | null>;
  /** The entries (expired ones included until retention prunes them), one page at a time. */
  list(query?: { cursor?: string | null; limit?: number }): Promise<SuppressionPage>;
  /**
   * Reads a CSV of `phone[,reason[,until]]` as it streams, through `readCsv()` (a header line
   * naming `phone` is skipped), and writes its entries in batches. A line that is not a number
   * (or whose `until` is not a future date) is refused and reported by its line, and the rest is
   * imported: refusing a whole list for one typo would leave every other number callable.
   * `options.reason` is the reason of lines that give none.
   * @throws SuppressionImportError when the import stops before the end (a CSV that cannot be
   * read, its `cause` a `CsvSyntaxError` naming the line; the source failing; the store
   * failing): the entries of the lines before the stop are written, and its `result` counts them.
   */
  import(csv: CsvSource, options?: { reason?: string }): Promise<SuppressionImport>;
}

/** What `createSuppressionList()` takes. */
export interface SuppressionListOptions {
  /**
   * A store with the suppression methods (the three built-in stores have them): the one store
   * of the list. Where a scheduler and campaigns keep separate stores, keep the list in one and
   * give it to the others as their `doNotCall`: copies written into several stores drift apart
   * when a remove races an add.
   */
  store: Store;
  /** @default the system clock */
  clock?: Clock;
  /** The country of numbers given without a country code, as the scheduler's. */
  defaultCountry?: CountryCode;
}

const DEFAULT_REASON = 'do not call';
const MAX_REASON = 200;
/** Entries written per store call during an import. */
const IMPORT_BATCH = 5_000;
const MAX_ERRORS = 100;

const optionsSchema = strictObject(
  {
    store: z.custom<Store>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'one store (keep the list in one store; others read it as their doNotCall)',
    ),
    clock: clockSchema.optional(),
    defaultCountry: countryCodeSchema.optional(),
  },
  { country: 'defaultCountry' },
);

const suppressSchema = strictObject(
  {
    reason: storable(z.string().trim().min(1).max(MAX_REASON)).optional(),
    until: z.union([z.date(), z.string(), z.null()]).optional(),
  },
  { note: 'reason', why: 'reason', expires: 'until', expiresAt: 'until', ttl: 'until' },
);

const toSuppression = (entry: StoredSuppression): Suppression => ({
  phone: entry.phone,
  reason: entry.reason,
  createdAt: new Date(entry.createdAt),
  until: entry.until === null ? null : new Date(entry.until),
});

/**
 * The one check of a list entry, for `suppress()` and every line of `import()`: the number in
 * E.164, a reason of 1–200 characters of storable text, an `until` in the future. Pushes what is
 * wrong to `issues`.
 */
export function parseSuppression(
  input: { phone: unknown; reason?: unknown; until?: unknown },
  now: number,
  issues: ValidationIssue[],
  defaultCountry?: CountryCode,
): StoredSuppression | null {
  const before = issues.length;
  let phone = '';
  if (typeof input.phone !== 'string') issues.push(custom(['phone'], 'expected a phone number'));
  else {
    try {
      phone = toE164(input.phone, defaultCountry ? { defaultCountry } : {});
    } catch (error) {
      issues.push(custom(['phone'], error instanceof Error ? error.message : 'not a number'));
    }
  }
  const reason = input.reason === undefined ? DEFAULT_REASON : input.reason;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON) {
    issues.push(custom(['reason'], `must be 1 to ${MAX_REASON} characters`));
  } else {
    const why = unstorableText(reason);
    if (why !== null) issues.push(custom(['reason'], why));
  }
  let until: number | null = null;
  if (input.until instanceof Date) until = input.until.getTime();
  else if (typeof input.until === 'string') {
    until = isoDateTime.safeParse(input.until).success ? Date.parse(input.until) : Number.NaN;
  } else if (input.until !== undefined && input.until !== null) until = Number.NaN;
  if (until !== null && !Number.isFinite(until)) {
    issues.push(custom(['until'], 'not an ISO-8601 date-time with Z or an offset'));
  } else if (until !== null && until <= now) {
    issues.push(custom(['until'], `${new Date(until).toISOString()} is not in the future`));
  }
  if (issues.length > before) return null;
  return { phone, reason: (reason as string).trim(), createdAt: now, until };
}

/**
 * The do-not-call list of `store`. Calls and campaign entries whose number is on it when they
 * come due end `suppressed`, with nothing sent to the provider.
 *
 * @example
 * const list = createSuppressionList({ store });
 * await list.suppress('+14155552671', { reason: 'asked not to be called' });
 */
export function createSuppressionList(options: SuppressionListOptions): SuppressionList {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createSuppressionList', zodIssues(parsed.error));
  const { clock = systemClock } = parsed.data;
  const defaultCountry = parsed.data.defaultCountry as CountryCode | undefined;
  const store = parsed.data.store as Store;
  if (!store.suppress || !store.getSuppression || !store.listSuppressions || !store.unsuppress) {
    throw invalidOptions('createSuppressionList', [
      custom(['store'], `the store "${store.name}" has no suppression methods (suppress…)`),
    ]);
  }
  const write = (entries: StoredSuppression[]) => store.suppress!(entries);
  const normalise = (phone: string, what: string) => {
    try {
      return toE164(phone, defaultCountry ? { defaultCountry } : {});
    } catch (error) {
      throw new ValidationError(what, [
        custom(['phone'], error instanceof Error ? error.message : 'not a number'),
      ]);
    }
  };
  const active = async (phone: string) => {
    const entry = await store.getSuppression!(phone);
    return entry && (entry.until === null || entry.until > clock.now()) ? entry : null;
  };

  return {
    async suppress(phone, input = {}) {
      const checked = suppressSchema.safeParse(input);
      if (!checked.success) throw new ValidationError('suppression', zodIssues(checked.error));
      const issues: ValidationIssue[] = [];
      const entry = parseSuppression(
        { phone, ...checked.data },
        clock.now(),
        issues,
        defaultCountry,
      );
      if (!entry) throw new ValidationError('suppression', issues);
      await write([entry]);
      return toSuppression(entry);
    },

    async unsuppress(phone) {
      return store.unsuppress!(normalise(phone, 'unsuppress'));
    },

    async isSuppressed(phone) {
      return (await active(normalise(phone, 'isSuppressed'))) !== null;
    },

    async get(phone) {
      const entry = await active(normalise(phone, 'suppression lookup'));
      return entry ? toSuppression(entry) : null;
    },

    async list(query = {}) {
      const limit = query.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new ValidationError('suppression list query', [
          custom(['limit'], 'must be an integer from 1 to 1000'),
        ]);
      }
      const afterPhone = keyAfter(query.cursor, 'suppression list query');
      const rows = await store.listSuppressions!({ afterPhone, limit: limit + 1 });
      const items = rows.slice(0, limit).map(toSuppression);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(0, last.phone) : null,
      };
    },

    async import(csv, input = {}) {
      const checked = strictObject({ reason: suppressSchema.shape.reason }).safeParse(input);
      if (!checked.success) throw new ValidationError('import options', zodIssues(checked.error));
      const issue = csvSourceIssue(csv);
      if (issue !== null) throw new ValidationError('import', [custom(['csv'], issue)]);
      const fallbackReason = checked.data.reason ?? DEFAULT_REASON;
      const result: SuppressionImport = { imported: 0, refused: 0, errors: [] };
      const refuse = (line: number, message: string) => {
        result.refused += 1;
        if (result.errors.length < MAX_ERRORS) result.errors.push({ line, message });
      };
      let batch: StoredSuppression[] = [];
      let storeFailed = false;
      const flush = async () => {
        if (batch.length === 0) return;
        const entries = batch;
        batch = [];
        try {
          await write(entries);
        } catch (error) {
          storeFailed = true;
          throw error;
        }
        result.imported += entries.length;
      };
      let first = true;
      try {
        for await (const { line, fields } of readCsv(csv)) {
          const [phone = '', reason, until] = fields;
          if (first) {
            first = false;
            if (phone.toLowerCase() === 'phone') continue; // a header
          }
          const issues: ValidationIssue[] = [];
          const entry = parseSuppression(
            {
              phone,
              reason: reason === undefined || reason === '' ? fallbackReason : reason,
              until: until === undefined || until === '' ? null : until,
            },
            clock.now(),
            issues,
            defaultCountry,
          );
          if (!entry) {
            refuse(line, issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
            continue;
          }
          batch.push(entry);
          if (batch.length >= IMPORT_BATCH) await flush();
        }
        await flush();
      } catch (error) {
        // The lines read before the stop are written; what a failing store refused is not.
        if (!storeFailed) {
          try {
            await flush();
          } catch (writeError) {
            throw new SuppressionImportError(result, writeError);
          }
        }
        throw new SuppressionImportError(result, error);
      }
      return result;
    },
  };
}
