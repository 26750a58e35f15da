import { describe, expect, it, vi } from 'vitest';
import {
  ISO_DATE,
  pause,
  postJson,
  request,
  startTracked,
  statusEvents,
  useCleanup,
  UUID,
  WAIT,
  type Harness,
} from './simulator-suite-helpers.js';

const ORDER = ['initiated', 'ringing', 'connected', 'completed'];

/** The polling flavour's contract, run against the HTTP simulator and the MSW mock alike. */
export function describePollingContract(harness: Harness): void {
  describe(`${harness.name}, polling flavour`, () => {
    const cleanup = useCleanup();
    const start = (options: Omit<Parameters<Harness['start']>[0], 'flavour'> = {}) =>
      startTracked(harness, cleanup, { flavour: 'polling', ...options });

    it('answers POST /api/call with 201 and an initiated call that GET returns', async () => {
      const sim = await start({ stepMs: 60_000 });
      const created = await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(UUID),
        phone_number: '+14155552671',
        status: 'initiated',
        created_at: expect.stringMatching(ISO_DATE),
      });
      const { id } = created.body as { id: string };
      const fetched = await request(`${sim.url}/api/call/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ id, status: 'initiated', phone_number: '+14155552671' });
      expect(fetched.body).toHaveProperty('updated_at', expect.stringMatching(ISO_DATE));
      expect(sim.calls()).toMatchObject([{ id, phone: '+14155552671', status: 'initiated' }]);
    });

    it('moves a call initiated → ringing → connected → completed as time passes', async () => {
      const sim = await start({ stepMs: [5, 15] });
      const created = await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
      const { id } = created.body as { id: string };
      const seen: string[] = [];
      await vi.waitFor(async () => {
        const { body } = await request(`${sim.url}/api/call/${id}`);
        seen.push((body as { status: string }).status);
        expect(seen.at(-1)).toBe('completed');
      }, WAIT);
      const ranks = seen.map((status) => ORDER.indexOf(status));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(ranks).not.toContain(-1);
      await vi.waitFor(() => expect(statusEvents(sim.events, id)).toHaveLength(3), WAIT);
      expect(statusEvents(sim.events, id)).toEqual(['ringing', 'connected', 'completed']);
      expect(sim.calls()[0]?.status).toBe('completed');
    });

    it.each(['busy', 'no-answer', 'failed'] as const)(
      'ends a call %s right after ringing when that is the only outcome',
      async (outcome) => {
        const sim = await start({ stepMs: 5, outcomes: { [outcome]: 1 } });
        const created = await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
        const { id } = created.body as { id: string };
        await vi.waitFor(async () => {
          const { body } = await request(`${sim.url}/api/call/${id}`);
          expect(body).toHaveProperty('status', outcome);
        }, WAIT);
        await vi.waitFor(() => expect(statusEvents(sim.events, id)).toHaveLength(2), WAIT);
        expect(statusEvents(sim.events, id)).toEqual(['ringing', outcome]);
        expect(sim.calls()[0]?.outcome).toBe(outcome);
      },
    );

    it('draws outcomes by weight, and the same seed gives the same calls', async () => {
      const run = async () => {
        const sim = await start({ stepMs: 60_000, seed: 42, outcomes: { completed: 1, busy: 1 } });
        for (let i = 0; i < 30; i++) {
          await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
        }
        return sim.calls().map(({ id, outcome }) => ({ id, outcome }));
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
      expect(new Set(first.map((call) => call.outcome))).toEqual(new Set(['completed', 'busy']));
    });

    it('answers 503 with Retry-After: 0 and creates no call when errorRate is 1', async () => {
      const sim = await start({ errorRate: 1 });
      const answer = await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('0');
      expect(answer.body).toHaveProperty('error.code', 'unavailable');
      expect(sim.calls()).toEqual([]);
      expect(sim.events).toMatchObject([{ type: 'rejected', httpStatus: 503 }]);
    });

    it.each([
      ['a body that is not JSON', '{"phone_number": ', undefined, 'not valid JSON'],
      ['an empty body', '', undefined, 'not valid JSON'],
      ['a JSON array', '[]', undefined, 'expected object'],
      ['a text/plain body', '{"phone_number":"+14155552671"}', 'text/plain', 'Content-Type'],
      ['no phone_number', '{}', undefined, 'phone_number'],
      ['a numeric phone_number', '{"phone_number":14155552671}', undefined, 'phone_number'],
      ['an invalid number', '{"phone_number":"+1415"}', undefined, 'not a valid phone number'],
      ['a number without +', '{"phone_number":"14155552671"}', undefined, 'E.164'],
      ['an unknown field', '{"phone_number":"+14155552671","to":"x"}', undefined, '"to"'],
      ['the webhook flavour body', '{"phone":"14155552671"}', undefined, 'phone_number'],
    ])('refuses %s with 400 invalid_request and creates no call', async (_, body, type, says) => {
      const sim = await start();
      const answer = await request(`${sim.url}/api/call`, { body, contentType: type });
      expect(answer.status).toBe(400);
      expect(answer.body).toHaveProperty('error.code', 'invalid_request');
      expect(answer.body).toHaveProperty('error.message', expect.stringContaining(says));
      expect(sim.calls()).toEqual([]);
      expect(sim.events).toMatchObject([{ type: 'rejected', httpStatus: 400 }]);
    });

    it('answers 413 to a body over 64 KiB and creates no call', async () => {
      const sim = await start();
      const body = JSON.stringify({ phone_number: '+14155552671', pad: 'x'.repeat(70_000) });
      const answer = await request(`${sim.url}/api/call`, { body });
      expect(answer.status).toBe(413);
      expect(answer.body).toHaveProperty('error.code', 'payload_too_large');
      expect(sim.calls()).toEqual([]);
    });

    it('answers 404 for an unknown call id and for an unknown route', async () => {
      const sim = await start();
      const unknownCall = await request(`${sim.url}/api/call/does-not-exist`);
      expect(unknownCall.status).toBe(404);
      expect(unknownCall.body).toHaveProperty('error.code', 'not_found');
      const unknownRoute = await request(`${sim.url}/api/calls`);
      expect(unknownRoute.status).toBe(404);
      expect(unknownRoute.body).toHaveProperty('error.code', 'not_found');
    });

    it('answers 405 with Allow for a wrong method on a known route', async () => {
      const sim = await start();
      const listing = await request(`${sim.url}/api/call`);
      expect(listing.status).toBe(405);
      expect(listing.headers.get('allow')).toBe('POST');
      const deleting = await request(`${sim.url}/api/call/some-id`, { method: 'DELETE' });
      expect(deleting.status).toBe(405);
      expect(deleting.headers.get('allow')).toBe('GET');
      expect(deleting.body).toHaveProperty('error.code', 'method_not_allowed');
    });

    it('fires no status event once closed', async () => {
      const sim = await start({ stepMs: 20 });
      await postJson(`${sim.url}/api/call`, { phone_number: '+14155552671' });
      await sim.close();
      await pause(100);
      expect(sim.events.map((event) => event.type)).toEqual(['created']);
    });
  });
}
