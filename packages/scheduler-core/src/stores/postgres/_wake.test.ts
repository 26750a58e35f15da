import { describe, expect, it } from 'vitest';
import {
  createWakeKnowledge,
  FLOOR_TTL_MS,
  HELD_RECHECK_MS,
  lowestWake,
  NO_FLOOR,
  NO_ID,
} from './_wake.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

describe('lowestWake', () => {
  it('tells the lowest wake time a patch may give its row', () => {
    expect(lowestWake({ placingAt: T0 })).toBe(Infinity);
    expect(lowestWake({ leaseUntil: T0 })).toBe(T0);
    expect(lowestWake({ dueAt: T0 + 5, leaseUntil: T0 + 9 })).toBe(T0 + 5);
    expect(lowestWake({ status: 'scheduled', dueAt: T0 })).toBe(T0);
    expect(lowestWake({ status: 'scheduled', leaseOwner: null, leaseUntil: null })).toBe(-Infinity);
    expect(lowestWake({ status: 'ringing', leaseUntil: T0 })).toBe(T0);
    expect(lowestWake({ status: 'initiated', leaseUntil: null })).toBe(Infinity);
    expect(lowestWake({ status: 'queued' })).toBe(-Infinity);
    expect(lowestWake({ status: 'completed', leaseUntil: null })).toBe(Infinity);
  });
});

describe('createWakeKnowledge', () => {
  const listening = (time = () => 0) => {
    const knowledge = createWakeKnowledge(time);
    knowledge.listening(true);
    return knowledge;
  };
  /** A full read that finds `next`, so that the floor is `next` afterwards. */
  const settle = (knowledge: ReturnType<typeof createWakeKnowledge>, next: number) => {
    const watch = knowledge.watch();
    knowledge.read(watch, next, NO_ID, T0, true);
    knowledge.unwatch(watch);
  };

  it('keeps a floor only while the LISTEN connection is up', () => {
    const knowledge = createWakeKnowledge(() => 0);
    settle(knowledge, T0 + 100);
    expect(knowledge.watch().floor).toBe(NO_FLOOR);
    knowledge.listening(true);
    settle(knowledge, T0 + 100);
    expect(knowledge.watch().floor).toBe(T0 + 100);
    knowledge.listening(false);
    expect(knowledge.watch().floor).toBe(NO_FLOOR);
  });

  it('lowers the floor to any wake time given or announced, and drops it for an unknown one', () => {
    const knowledge = listening();
    settle(knowledge, T0 + 100);
    knowledge.lower(T0 + 500);
    expect(knowledge.watch().floor).toBe(T0 + 100);
    knowledge.lower(T0 + 40);
    expect(knowledge.watch().floor).toBe(T0 + 40);
    knowledge.lower(-Infinity);
    expect(knowledge.watch().floor).toBe(NO_FLOOR);
  });

  it('raises the floor no higher than a wake time given while the read ran', () => {
    const knowledge = listening();
    settle(knowledge, T0 + 100);
    const watch = knowledge.watch();
    knowledge.lower(T0 + 150);
    knowledge.read(watch, T0 + 300, NO_ID, T0, true);
    expect(knowledge.watch().floor).toBe(T0 + 150);
  });

  it('starts the floor at the first row a read did not take, among rows of one wake time', () => {
    const knowledge = listening();
    let watch = knowledge.watch();
    knowledge.read(watch, T0, 'row-05', T0, true);
    expect(knowledge.watch()).toMatchObject({ floor: T0, floorId: 'row-05' });
    // Another read of the same time further on moves it on; one that read less does not move it back.
    watch = knowledge.watch();
    knowledge.read(watch, T0, 'row-09', T0, true);
    watch = knowledge.watch();
    knowledge.read(watch, T0, 'row-07', T0, true);
    expect(knowledge.watch()).toMatchObject({ floor: T0, floorId: 'row-09' });
    // A later wake time starts with the row read there.
    knowledge.read(knowledge.watch(), T0 + 5, 'row-01', T0, true);
    expect(knowledge.watch()).toMatchObject({ floor: T0 + 5, floorId: 'row-01' });
  });

  it('starts the floor wake time anew when a row is given that time or an earlier one', () => {
    const knowledge = listening();
    knowledge.read(knowledge.watch(), T0, 'row-05', T0, true);
    knowledge.lower(T0 + 1);
    expect(knowledge.watch()).toMatchObject({ floor: T0, floorId: 'row-05' });
    knowledge.lower(T0);
    expect(knowledge.watch()).toMatchObject({ floor: T0, floorId: NO_ID });
    // A read during which a row was given its time keeps no id from it.
    const watch = knowledge.watch();
    knowledge.lower(T0);
    knowledge.read(watch, T0, 'row-08', T0, true);
    expect(knowledge.watch()).toMatchObject({ floor: T0, floorId: NO_ID });
    knowledge.listening(false);
    knowledge.listening(true);
    expect(knowledge.watch()).toMatchObject({ floor: NO_FLOOR, floorId: NO_ID });
  });

  it('raises no floor from a read that began before the LISTEN connection was lost', () => {
    const knowledge = listening();
    const watch = knowledge.watch();
    knowledge.listening(false);
    knowledge.listening(true);
    knowledge.read(watch, T0 + 300, NO_ID, T0, true);
    expect(knowledge.watch().floor).toBe(NO_FLOOR);
  });

  it('reads every row again once the floor is FLOOR_TTL_MS old', () => {
    let time = 0;
    const knowledge = listening(() => time);
    settle(knowledge, T0 + 100);
    time = FLOOR_TTL_MS - 1;
    settle(knowledge, T0 + 200); // from the floor: raises it, does not make it new
    expect(knowledge.watch().floor).toBe(T0 + 200);
    time = FLOOR_TTL_MS;
    expect(knowledge.watch().floor).toBe(NO_FLOOR);
  });

  it("answers one nextDueAt from a claim's reading, in the claim's turn of the event loop", async () => {
    const knowledge = listening();
    settle(knowledge, T0 + 100);
    expect(knowledge.next()).toBe(T0 + 100);
    expect(knowledge.next()).toBeUndefined();
    settle(knowledge, T0 + 100);
    await nextTick();
    expect(knowledge.next()).toBeUndefined();
  });

  it('gives no answer once an earlier wake time was given, or for one come already', () => {
    const knowledge = listening();
    settle(knowledge, T0 + 100);
    knowledge.lower(T0 + 200);
    expect(knowledge.next()).toBe(T0 + 100);
    settle(knowledge, T0 + 100);
    knowledge.lower(T0 + 50);
    expect(knowledge.next()).toBeUndefined();
    const watch = knowledge.watch();
    knowledge.read(watch, null, NO_ID, T0, true);
    expect(knowledge.next()).toBeNull();
  });

  it('looks again a little later at a due row another transaction held through a claim, unless told of a due one meanwhile', () => {
    const knowledge = listening();
    /** A claim that took fewer rows than it asked for, and left one waking at `next`. */
    const short = (next: number, watch = knowledge.watch()) => {
      knowledge.read(watch, next, NO_ID, T0, true, true);
      knowledge.unwatch(watch);
    };
    short(T0); // due at the claim's time, yet not claimed though there was room: held
    expect(knowledge.next()).toBe(T0 + HELD_RECHECK_MS);
    short(T0 - 500);
    expect(knowledge.next()).toBe(T0 + HELD_RECHECK_MS);
    // A claim that took all it asked for left a due row: due now, read again at once.
    settle(knowledge, T0);
    expect(knowledge.next()).toBeUndefined();
    // A wake time given while the claim ran, before the recheck: that one.
    const given = knowledge.watch();
    knowledge.lower(T0 + 1);
    short(T0, given);
    expect(knowledge.next()).toBe(T0 + 1);
    // One come already, announced while the claim ran: read again at once.
    const due = knowledge.watch();
    knowledge.lower(T0);
    short(T0, due);
    expect(knowledge.next()).toBeUndefined();
    // Announced after the claim answered: no answer past it.
    short(T0);
    knowledge.lower(T0);
    expect(knowledge.next()).toBeUndefined();
    // Not from a read of `nextDueAt`, which is asked for no answer.
    const read = knowledge.watch();
    knowledge.read(read, T0, NO_ID, T0, false);
    expect(knowledge.next()).toBeUndefined();
  });
});
