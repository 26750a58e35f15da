import type { RecordCallInput, Scheduler } from '@ringkit/scheduler-core';

export interface SeedOptions {
  /** The app's own number; about half the records involve it. */
  callerId: string;
  /** The other numbers (E.164 or any form `toE164` takes); repeats are ignored. */
  numbers: readonly string[];
  /**
   * How many records.
   * @default 300
   */
  count?: number;
  /** The newest record is shortly before this. @default Date.now() */
  now?: number;
  /**
   * Records span this many days before `now`.
   * @default 30
   */
  days?: number;
  /** @default 20240607 */
  seed?: number;
}

/** mulberry32: a small seeded PRNG, so the demo's history is the same on every machine. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Realistic call records for the demo, like the original exercise's dummy data: inbound and
 * outbound calls between the app's number and the others, and among the others, over the last
 * weeks; mostly in working hours, about a third missed, talk times from seconds to twenty minutes.
 * Ids are fixed (`seed-0000`…), so seeding twice changes nothing.
 */
export function demoHistory(options: SeedOptions): RecordCallInput[] {
  const rand = random(options.seed ?? 20240607);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const others = [...new Set(options.numbers)];
  const parties = [options.callerId, ...others];
  const count = options.count ?? 300;
  const now = options.now ?? Date.now();
  const span = (options.days ?? 30) * 86_400_000;
  const records: RecordCallInput[] = [];
  for (let i = 0; i < count; i += 1) {
    let from: string;
    let to: string;
    if (rand() < 0.6) {
      // The app's number and one other, either way.
      const other = pick(others);
      [from, to] = rand() < 0.55 ? [options.callerId, other] : [other, options.callerId];
    } else {
      from = pick(parties);
      do to = pick(parties);
      while (to === from);
    }
    // Spread over the span, then pulled into 08:00–20:00 (UTC) most of the time.
    const day = Math.floor((now - span) / 86_400_000 + rand() * (span / 86_400_000));
    const hour = rand() < 0.85 ? 8 + rand() * 12 : rand() * 24;
    let startedAt = day * 86_400_000 + Math.floor(hour * 3_600_000);
    if (startedAt > now - 60_000) startedAt = now - 60_000 - Math.floor(rand() * 3_600_000);
    const roll = rand();
    const status =
      roll < 0.66 ? 'completed' : roll < 0.8 ? 'no-answer' : roll < 0.93 ? 'busy' : 'failed';
    const ringFor = 3_000 + Math.floor(rand() * 20_000);
    let answeredAt: number | null = null;
    let endedAt = startedAt + ringFor;
    if (status === 'completed') {
      answeredAt = startedAt + ringFor;
      // Mostly short calls, some long ones: 5 s to 20 min.
      const talk = Math.round(5 + Math.pow(rand(), 2.2) * 1195);
      endedAt = answeredAt + talk * 1000;
    }
    records.push({
      id: `seed-${String(i).padStart(4, '0')}`,
      from,
      to,
      status,
      startedAt: new Date(startedAt),
      answeredAt: answeredAt === null ? null : new Date(answeredAt),
      endedAt: new Date(endedAt),
    });
  }
  return records;
}

/** Saves {@link demoHistory} through the scheduler (which validates every record). */
export async function seedDemoHistory(
  scheduler: Pick<Scheduler, 'recordCall'>,
  options: SeedOptions,
): Promise<number> {
  const records = demoHistory(options);
  for (const record of records) await scheduler.recordCall(record);
  return records.length;
}

/** Whether the demo history is already there: its records have fixed ids (`seed-…`). */
export async function hasDemoHistory(scheduler: Scheduler, callerId: string): Promise<boolean> {
  let cursor: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const result: Awaited<ReturnType<Scheduler['history']>> = await scheduler.history(callerId, {
      cursor,
      limit: 1000,
    });
    if (result.items.some((item) => item.id.startsWith('seed-'))) return true;
    cursor = result.nextCursor;
    if (!cursor) return false;
  }
  return true;
}
