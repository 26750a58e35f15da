/**
 * `createSuppressionList()`: its entries, pages and CSV import, every refusal, and what the list
 * does to the scheduler's calls: a call whose number is on it when it comes due ends
 * `suppressed` with nothing sent, even when it was put on the list after the call was scheduled,
 * and a recurring call's series goes on. On the memory store and on SQLite.
 */
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import fc from 'fast-check';
import { isInvalidOptionsError } from '@ringkit/call-client';
import {
  isCsvSyntaxError,
  isSuppressionImportError,
  isValidationError,
  type CsvSyntaxError,
  type SuppressionImportError,
} from './errors.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { createSuppressionList } from './suppressions.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const BOB = '+14155552671';
const ANN = '+442079460958';

const STORES: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

async function refused(promise: Promise<unknown>, word: string) {
  const error = await promise.then(
    () => expect.fail('expected a ValidationError'),
    (e: unknown) => e,
  );
  expect(isValidationError(error)).toBe(true);
  expect((error as Error).message).toContain(word);
}

describe.each(STORES)('the do-not-call list (%s store)', (_, createStore) => {
  const setup = () => {
    const clock = createFakeClock(T0);
    const store = createStore();
    return { clock, store, list: createSuppressionList({ store, clock }) };
  };

  it('puts a number on the list in E.164, replaces its entry, and takes it off', async () => {
    const { list } = setup();
    expect(await list.isSuppressed(BOB)).toBe(false);
    const entry = await list.suppress('(415) 555-2671', { reason: 'opted out' });
    expect(entry).toEqual({
      phone: BOB,
      reason: 'opted out',
      createdAt: new Date(T0),
      until: null,
    });
    expect(await list.isSuppressed('+1 415 555 2671')).toBe(true);
    await list.suppress(BOB);
    expect((await list.get(BOB))?.reason).toBe('do not call');
    expect(await list.unsuppress(BOB)).toBe(true);
    expect(await list.unsuppress(BOB)).toBe(false);
    expect(await list.get(BOB)).toBeNull();
  });

  it('stops suppressing once until has passed', async () => {
    const { clock, list } = setup();
    await list.suppress(BOB, { until: new Date(T0 + 60_000) });
    expect(await list.isSuppressed(BOB)).toBe(true);
    await clock.advance(60_000);
    expect(await list.isSuppressed(BOB)).toBe(false);
    expect(await list.get(BOB)).toBeNull();
  });

  it('refuses a bad number, reason, until, option or page, and stores nothing', async () => {
    const { list } = setup();
    await refused(list.suppress('12'), 'phone');
    await refused(list.suppress(BOB, { reason: '' }), 'reason');
    await refused(list.suppress(BOB, { reason: 'x'.repeat(201) }), 'reason');
    await refused(list.suppress(BOB, { reason: 'opted\u0000out' }), 'NUL character');
    await refused(list.suppress(BOB, { reason: 'opted\uD800out' }), 'lone surrogate');
    await refused(list.suppress(BOB, { until: new Date(T0 - 1) }), 'not in the future');
    await refused(list.suppress(BOB, { until: 'tomorrow' }), 'ISO-8601');
    await refused(list.suppress(BOB, { expires: 'x' } as never), 'did you mean "until"');
    await refused(list.list({ limit: 0 }), 'limit');
    await refused(list.list({ cursor: 'nope' }), 'cursor');
    await refused(list.isSuppressed('not a number'), 'phone');
    expect((await list.list()).items).toEqual([]);
  });

  it('pages every entry once, in order, whatever the page size (fast-check)', async () => {
    const { list } = setup();
    const phones = Array.from({ length: 37 }, (_, i) => `+1415555${String(2600 + i)}`);
    for (const phone of [...phones].reverse()) await list.suppress(phone);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (limit) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await list.list({ cursor, limit });
          seen.push(...page.items.map((e) => e.phone));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(phones);
      }),
      { numRuns: 15 },
    );
  });

  it('imports a CSV as it streams, in batches, reporting the lines it refused', async () => {
    const { list } = setup();
    const lines = ['phone,reason,until'];
    for (let i = 0; i < 12_000; i++) lines.push(`+1415${String(5_000_000 + i)}`);
    lines.push('"+44 20 7946 0958","opted out, in writing",2027-01-01T00:00:00Z');
    lines.push('not a number');
    lines.push('+14155550000,,2020-01-01T00:00:00Z');
    lines.push('+14155550001,opted\u0000out');
    const chunks = lines.join('\r\n').match(/[\s\S]{1,4096}/g)!;
    const result = await list.import(
      (async function* () {
        yield* chunks;
      })(),
      { reason: 'imported' },
    );
    expect(result).toEqual({
      imported: 12_001,
      refused: 3,
      errors: [
        { line: 12_003, message: expect.stringContaining('phone') },
        { line: 12_004, message: expect.stringContaining('until') },
        // The same check as suppress(): text a store keeps as given.
        { line: 12_005, message: expect.stringContaining('reason: must not contain the NUL') },
      ],
    });
    expect(await list.get(ANN)).toMatchObject({
      reason: 'opted out, in writing',
      until: new Date('2027-01-01T00:00:00Z'),
    });
    expect((await list.get('+14155000000'))?.reason).toBe('imported');
    expect(await list.isSuppressed('+14155550000')).toBe(false);
  });

  it('lists every number of a file whose lines end with CRLF, CR and LF mixed, after a BOM and a header', async () => {
    const { list } = setup();
    const csv =
      '\uFEFFphone,reason\r\n+13018040009\r+19842068287\n+15512459377\r\n\r+14155552671\n+442079460958';
    expect(await list.import(csv)).toEqual({ imported: 5, refused: 0, errors: [] });
    const listed = (await list.list()).items.map((entry) => entry.phone);
    expect(listed.sort()).toEqual(
      ['+13018040009', '+14155552671', '+15512459377', '+19842068287', ANN].sort(),
    );
    // A refusal names the line an editor shows, whatever the line ends before it.
    expect(await list.import('+13018040009\r\n\r\n12\r+19842068287')).toEqual({
      imported: 2,
      refused: 1,
      errors: [{ line: 3, message: expect.stringContaining('phone') }],
    });
  });

  it.each([
    ['a spreadsheet formula with quotes', '=HYPERLINK("http://x","y")'],
    ['a quote never closed', '"a'],
    ['a quote inside a field', 'x"y'],
  ])(
    'stops at %s with a typed error naming its line; the lines before it listed and counted, none after',
    async (_what, bad) => {
      const { list } = setup();
      const csv = ['phone', BOB, 'not a number', ANN, bad, '+15512459377'].join('\n');
      const error = await list.import(csv).then(
        () => expect.fail('expected a SuppressionImportError'),
        (e: unknown) => e,
      );
      expect(isSuppressionImportError(error)).toBe(true);
      const stopped = error as SuppressionImportError;
      expect(stopped.result).toEqual({
        imported: 2,
        refused: 1,
        errors: [{ line: 3, message: expect.stringContaining('phone') }],
      });
      expect(isCsvSyntaxError(stopped.cause)).toBe(true);
      expect((stopped.cause as CsvSyntaxError).line).toBe(5);
      expect(stopped.message).toContain('after 2 entries written and 1 line refused: line 5:');
      expect(await list.isSuppressed(BOB)).toBe(true);
      expect(await list.isSuppressed(ANN)).toBe(true);
      expect(await list.isSuppressed('+15512459377')).toBe(false);
    },
  );

  it('keeps every whole line read when its source fails mid-way, never the line it cut, and says how many', async () => {
    const { list } = setup();
    const cut = new Error('connection reset');
    async function* source() {
      yield `${BOB}\nnope\n${ANN}\n+4420794`;
      throw cut;
    }
    const error = (await list.import(source()).catch((e: unknown) => e)) as SuppressionImportError;
    expect(isSuppressionImportError(error)).toBe(true);
    expect(error.cause).toBe(cut);
    expect(error.result).toEqual({
      imported: 2,
      refused: 1,
      errors: [{ line: 2, message: expect.stringContaining('phone') }],
    });
    expect(await list.isSuppressed(BOB)).toBe(true);
    expect(await list.isSuppressed(ANN)).toBe(true);
  });

  it('says how many entries were written before its store failed', async () => {
    const { store, list } = setup();
    const suppress = store.suppress!.bind(store);
    let calls = 0;
    store.suppress = async (entries) => {
      calls += 1;
      if (calls === 2) throw new Error('disk full');
      await suppress(entries);
    };
    const lines = Array.from({ length: 12_000 }, (_, i) => `+1415${String(5_000_000 + i)}`);
    const error = (await list.import(lines.join('\n')).catch((e: unknown) => e)) as Error;
    expect(isSuppressionImportError(error)).toBe(true);
    expect((error as SuppressionImportError).result.imported).toBe(5_000);
    expect((error.cause as Error).message).toBe('disk full');
    expect(calls).toBe(2);
  });

  it('refuses a CSV that is neither text, bytes nor an iterable of them, writing nothing', async () => {
    const { list } = setup();
    await refused(list.import(42 as never), 'csv');
  });

  it('ends a call whose number was put on the list after it was scheduled, sending nothing', async () => {
    const { clock, store, list } = setup();
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({ store, clock, provider, callerId: '+14155550100' });
    const events: string[] = [];
    scheduler.on('suppressed', (e) => events.push(`suppressed:${e.reason}`));
    scheduler.on('status', (e) => events.push(`${e.previous}>${e.status}`));
    await scheduler.start();
    const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 10_000) });
    const other = await scheduler.schedule({ to: ANN, at: new Date(T0 + 10_000) });
    await list.suppress(BOB, { reason: 'asked on the phone' });
    await clock.advance(10_000);
    const ended = await scheduler.get(call.id);
    expect(ended).toMatchObject({ status: 'suppressed', reason: 'suppressed' });
    expect(ended.events.at(-1)).toEqual({
      status: 'suppressed',
      at: new Date(T0 + 10_000),
      attempt: 1,
      reason: 'suppressed',
      note: 'asked on the phone',
    });
    expect(events).toContain('scheduled>suppressed');
    expect(events).toContain('suppressed:asked on the phone');
    expect(provider.placed.map((p) => p.to)).toEqual([ANN]);
    expect((await scheduler.get(other.id)).status).not.toBe('suppressed');
    expect((await scheduler.history(BOB)).items).toEqual([]);
    await scheduler.stop();
  });

  it("goes on with a recurring call's series: each occurrence is checked at its own time", async () => {
    const { clock, store, list } = setup();
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({ store, clock, provider, callerId: '+14155550100' });
    await scheduler.start();
    await scheduler.schedule({ to: BOB, recurrence: { cron: '0 * * * *' } });
    await list.suppress(BOB, { until: new Date(T0 + 90 * 60_000) });
    await clock.advance(60 * 60_000); // 13:00: on the list
    expect(provider.placed).toHaveLength(0);
    await clock.advance(60 * 60_000); // 14:00: off it again
    expect(provider.placed.map((p) => p.to)).toEqual([BOB]);
    const statuses = (await scheduler.list({ limit: 10 })).items.map((c) => c.status);
    expect(statuses).toContain('suppressed');
    await scheduler.stop();
  });
});

describe('retention.suppressionsAfterDays', () => {
  it('deletes entries whose until passed that many days ago, never one without until', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const list = createSuppressionList({ store, clock });
    const DAY = 86_400_000;
    await list.suppress(BOB, { until: new Date(T0 + DAY) });
    await list.suppress(ANN, { until: new Date(T0 + 5 * DAY) });
    await list.suppress('+14155550000');
    const scheduler = createScheduler({
      store,
      clock,
      provider: createFakeProvider({ clock }),
      callerId: '+14155550100',
      retention: { suppressionsAfterDays: 2, intervalMs: DAY },
    });
    const pruned: unknown[] = [];
    scheduler.on('pruned', (e) => pruned.push(e));
    await scheduler.start();
    await clock.advance(3 * DAY + 1000);
    const left = (await list.list()).items.map((e) => e.phone);
    expect(left).toEqual(['+14155550000', ANN]);
    expect(pruned).toEqual([{ calls: 0, records: 0, suppressions: 1 }]);
    await scheduler.stop();
  });
});

describe('createSuppressionList() options', () => {
  it('keeps the list in one store: several are refused, naming the way to share one list', () => {
    const first = createMemoryStore();
    const second = createSqliteStore({ path: ':memory:' });
    let error: unknown;
    try {
      createSuppressionList({ store: [first, second] } as never);
    } catch (e) {
      error = e;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String(error)).toMatch(/store.*one store.*doNotCall/);
  });

  it('refuses a store without the suppression methods, and unknown options', () => {
    const bare = { ...createMemoryStore(), suppress: undefined } as Store;
    expect(() => createSuppressionList({ store: bare })).toThrow(/no suppression methods/);
    let error: unknown;
    try {
      createSuppressionList({ store: createMemoryStore(), country: 'US' } as never);
    } catch (e) {
      error = e;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String(error)).toContain('did you mean "defaultCountry"');
  });
});
