import { isInvalidOptionsError, type CallStatusEvent } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import type { StoredCall } from '@ringkit/scheduler-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { T0 } from '../../test/utils.js';
import {
  createStatusRouter,
  LOOK_AGAIN_MS,
  MAX_WAITING,
  type CallOwner,
  type StatusRouterOptions,
} from './_route.js';

const event = (callId: string, status = 'ringing', provider?: string): CallStatusEvent => ({
  callId,
  status: status as CallStatusEvent['status'],
  providerStatus: status,
  at: new Date(T0),
  ...(provider === undefined ? {} : { provider }),
});

const row = (campaign: string | null) => ({ campaign }) as unknown as StoredCall;

/** A router over rows kept by `(provider, id)`, with what it delivered and gave up. */
function setup(rows = new Map<string, StoredCall>(), more: Partial<StatusRouterOptions> = {}) {
  const clock = createFakeClock(T0);
  const delivered: [CallOwner, CallStatusEvent][] = [];
  const unmatched: CallStatusEvent[][] = [];
  const errors: unknown[] = [];
  let lookups = 0;
  const router = createStatusRouter({
    store: {
      findByProviderCallId: async (provider, id) => {
        lookups += 1;
        return rows.get(`${provider}/${id}`) ?? null;
      },
    },
    providers: ['a', 'b'],
    clock,
    deliver: async (owner, e) => void delivered.push([owner, e]),
    onUnmatched: (events) => void unmatched.push(events),
    onError: (error) => void errors.push(error),
    closedError: () => new Error('closed'),
    ...more,
  });
  return { router, clock, rows, delivered, unmatched, errors, lookups: () => lookups };
}

describe('createStatusRouter', () => {
  it('gives a status to the owner its row names, looked up by the provider and its id', async () => {
    const rows = new Map([
      ['a/1', row(null)],
      ['b/1', row('spring')],
    ]);
    const { router, delivered } = setup(rows);
    expect(await router.route(event('1', 'ringing', 'a'))).toEqual({ to: 'scheduled' });
    expect(await router.route(event('1', 'ringing', 'b'))).toEqual({
      to: 'campaign',
      campaign: 'spring',
    });
    expect(delivered.map(([owner, e]) => [owner, e.provider])).toEqual([
      [{ kind: 'scheduled' }, 'a'],
      [{ kind: 'campaign', campaign: 'spring' }, 'b'],
    ]);
  });

  it('names the first provider on an event that names none, and ignores another provider', async () => {
    const { router, delivered } = setup(new Map([['a/7', row(null)]]));
    expect(await router.route(event('7'))).toEqual({ to: 'scheduled' });
    expect(delivered[0]![1].provider).toBe('a');
    expect(await router.route(event('7', 'ringing', 'c'))).toEqual({ to: 'other-provider' });
    expect(delivered).toHaveLength(1);
  });

  it('looks a call up once, then knows its owner for the statuses after', async () => {
    const { router, lookups } = setup(new Map([['a/1', row('x')]]));
    for (const status of ['ringing', 'answered', 'completed'])
      await router.route(event('1', status));
    expect(lookups()).toBe(1);
  });

  it('refuses an event that is no CallStatusEvent, and changes nothing', async () => {
    const { router, delivered, lookups } = setup();
    for (const bad of [
      null,
      {},
      { callId: '', status: 'ringing' },
      { callId: '1', status: 'rung' },
    ]) {
      const error = await router.route(bad as never).catch((e: unknown) => e);
      expect(isInvalidOptionsError(error)).toBe(true);
    }
    expect(delivered).toHaveLength(0);
    expect(lookups()).toBe(0);
    expect(router.waiting()).toBe(0);
  });

  it('holds a status no row carries yet and gives it, in order with the later ones, once found', async () => {
    const { router, clock, rows, delivered } = setup();
    expect(await router.route(event('9', 'ringing'))).toEqual({ to: 'waiting' });
    expect(await router.route(event('9', 'answered'))).toEqual({ to: 'waiting' });
    expect(router.waiting()).toBe(2);
    rows.set('a/9', row('spring'));
    await clock.advance(LOOK_AGAIN_MS[0]!);
    expect(delivered.map(([, e]) => e.status)).toEqual(['ringing', 'answered']);
    expect(router.waiting()).toBe(0);
    expect(await router.route(event('9', 'completed'))).toEqual({
      to: 'campaign',
      campaign: 'spring',
    });
  });

  it('looks again further apart, then gives the statuses up as unmatched', async () => {
    const { router, clock, unmatched, delivered, lookups } = setup();
    await router.route(event('404', 'completed'));
    for (const wait of LOOK_AGAIN_MS.slice(0, -1)) await clock.advance(wait);
    expect(unmatched).toHaveLength(0);
    await clock.advance(LOOK_AGAIN_MS.at(-1)!);
    expect(unmatched).toEqual([[expect.objectContaining({ callId: '404', status: 'completed' })]]);
    expect(lookups()).toBe(1 + LOOK_AGAIN_MS.length);
    expect(delivered).toHaveLength(0);
    expect(router.waiting()).toBe(0);
  });

  it(`holds at most ${MAX_WAITING} statuses: the oldest call's go first`, async () => {
    const { router, unmatched } = setup();
    await router.route(event('first'));
    for (let i = 0; i < MAX_WAITING; i += 1) await router.route(event(`n${i}`));
    expect(router.waiting()).toBe(MAX_WAITING);
    expect(unmatched).toEqual([[expect.objectContaining({ callId: 'first' })]]);
  });

  it('reports a held status its owner could not take, and refuses statuses after close()', async () => {
    const { router, clock, rows, errors } = setup(new Map(), {
      deliver: async () => {
        throw new Error('store down');
      },
    });
    await router.route(event('5'));
    rows.set('a/5', row(null));
    await clock.advance(LOOK_AGAIN_MS[0]!);
    expect(errors).toEqual([new Error('store down')]);
    router.close();
    await expect(router.route(event('5'))).rejects.toThrow('closed');
  });

  it('keeps each call’s statuses in order however slow the look-ups and deliveries are', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.tuple(fc.constantFrom('1', '2', '3'), fc.nat({ max: 5 })), {
          minLength: 1,
          maxLength: 20,
        }),
        async (s, sends) => {
          const rows = new Map([
            ['a/1', row(null)],
            ['a/2', row('x')],
            ['a/3', row('y')],
          ]);
          const got = new Map<string, number[]>();
          const router = createStatusRouter({
            store: {
              findByProviderCallId: s.scheduleFunction(
                async (p: string, id: string) => rows.get(`${p}/${id}`) ?? null,
              ),
            },
            providers: ['a'],
            clock: createFakeClock(T0),
            deliver: s.scheduleFunction(async (_owner: CallOwner, e: CallStatusEvent) => {
              const seq = Number((e as CallStatusEvent & { seq: number }).seq);
              got.set(String(e.callId), [...(got.get(String(e.callId)) ?? []), seq]);
            }),
            onUnmatched: () => {},
            onError: () => {},
            closedError: () => new Error('closed'),
          });
          const routed = sends.map(([id], seq) =>
            router.route({ ...event(id), seq } as CallStatusEvent),
          );
          await s.waitFor(Promise.all(routed));
          for (const [id, seqs] of got) {
            const sent = sends.flatMap(([sid], seq) => (sid === id ? [seq] : []));
            expect(seqs).toEqual(sent);
          }
          expect([...got.values()].flat()).toHaveLength(sends.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
