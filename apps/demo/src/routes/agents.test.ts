/**
 * The agents through HTTP: add, page, read, change, log in and out, remove; every refusal
 * (the package's one check of an agent's fields answered 400, an unknown id 404, an id taken or
 * an agent on a call 409, a store without agents 501); and the rules every `/api` route keeps.
 */
import { createAgents, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../_raw-http.js';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const url = (path = '') => `${app!.url}/api/agents${path}`;
const add = (body: unknown) => api(url(), { method: 'POST', body });
const setState = (id: string, state: unknown) =>
  api(url(`/${id}/state`), { method: 'POST', body: { state } });
const ids = (items: { id: string }[]) => items.map((a) => a.id);

describe('the agents', () => {
  it('adds an agent (201, away, its number in E.164), reads it, changes it, logs it in and out and removes it', async () => {
    app = await startTestApp();
    const added = await add({
      id: 'ada',
      name: 'Ada Lovelace',
      reach: '(415) 555-2671',
      campaigns: ['spring', 'autumn', 'spring'],
    });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      id: 'ada',
      name: 'Ada Lovelace',
      reach: '+14155552671',
      campaigns: ['autumn', 'spring'],
      state: 'away',
      since: expect.any(String),
      until: null,
      call_id: null,
      campaign: null,
      totals: { available_ms: 0, ringing_ms: 0, talking_ms: 0, wrap_up_ms: 0 },
      occupancy: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(new Date(added.json.since).toISOString()).toBe(added.json.since);
    expect((await api(url('/ada'))).json).toMatchObject({ id: 'ada', state: 'away' });

    const changed = await api(url('/ada'), {
      method: 'PATCH',
      body: { name: null, reach: 'sip:ada@example.com', campaigns: ['summer'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      id: 'ada',
      name: null,
      reach: 'sip:ada@example.com',
      campaigns: ['summer'],
      state: 'away',
    });

    const loggedIn = await setState('ada', 'available');
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.json.state).toBe('available');
    expect(Date.parse(loggedIn.json.since)).toBeGreaterThanOrEqual(Date.parse(added.json.since));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Time logged in counts up to each read; none of it talking yet.
    const read = (await api(url('/ada'))).json;
    expect(read.totals.available_ms).toBeGreaterThanOrEqual(20);
    expect(read.occupancy).toBe(0);
    // Asking again for the state they are in changes nothing.
    expect((await setState('ada', 'available')).json.since).toBe(loggedIn.json.since);
    const away = await setState('ada', 'away');
    expect(away.status).toBe(200);
    expect(away.json.state).toBe('away');

    const removed = await api(url('/ada'), { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({ id: 'ada', removed: true });
    expect((await api(url('/ada'))).status).toBe(404);
    expect((await api(url())).json).toEqual({ items: [], next_cursor: null });
  });

  it('pages the roster in the order of the ids, and lists those serving a campaign', async () => {
    app = await startTestApp();
    for (const [id, campaigns] of [
      ['c', ['spring']],
      ['a', []],
      ['b', ['spring', 'autumn']],
      ['d', ['autumn']],
    ] as const) {
      expect((await add({ id, reach: '+14155552671', campaigns })).status).toBe(201);
    }
    const first = await api(url('?limit=3'));
    expect(ids(first.json.items)).toEqual(['a', 'b', 'c']);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const second = await api(url(`?limit=3&cursor=${encodeURIComponent(first.json.next_cursor)}`));
    expect(second.json).toMatchObject({ items: [{ id: 'd' }], next_cursor: null });
    expect(ids((await api(url('?campaign=spring'))).json.items)).toEqual(['b', 'c']);
    expect(ids((await api(url('?campaign=autumn&limit=1'))).json.items)).toEqual(['b']);
    expect((await api(url('?campaign=winter'))).json.items).toEqual([]);
  });

  it('refuses an id taken with 409 agent_exists, and keeps the first', async () => {
    app = await startTestApp();
    expect((await add({ id: 'ada', reach: '+14155552671', name: 'First' })).status).toBe(201);
    const again = await add({ id: 'ada', reach: '+442079460958', name: 'Second' });
    expect(again.status).toBe(409);
    expect(again.json.error).toEqual({
      code: 'agent_exists',
      message: 'An agent with id "ada" exists',
      details: { id: 'ada', reason: 'exists', state: null },
    });
    expect((await api(url('/ada'))).json.name).toBe('First');
  });

  it.each([
    ['no body', undefined, 'body', 'must be an object'],
    ['a body that is a list', [], 'body', 'must be an object'],
    ['no id', { reach: '+14155552671' }, 'id', ''],
    ['an id with a space', { id: 'ada l', reach: '+14155552671' }, 'id', 'letters, digits'],
    ['an id of 101 characters', { id: 'a'.repeat(101), reach: '+14155552671' }, 'id', ''],
    ['no reach', { id: 'ada' }, 'reach', ''],
    ['a reach that is no number', { id: 'ada', reach: '12' }, 'reach', 'phone number'],
    ['a SIP URI without a host', { id: 'ada', reach: 'sip:ada' }, 'reach', 'SIP URI'],
    ['an empty name', { id: 'ada', reach: '+14155552671', name: ' ' }, 'name', ''],
    [
      'campaigns that are text',
      { id: 'ada', reach: '+14155552671', campaigns: 'x' },
      'campaigns',
      '',
    ],
    [
      'an empty campaign name',
      { id: 'ada', reach: '+14155552671', campaigns: [''] },
      'campaigns',
      '',
    ],
    ['a state of a call', { id: 'ada', reach: '+14155552671', state: 'talking' }, 'state', ''],
    ['an unknown field', { id: 'ada', phone: '+14155552671' }, '', 'did you mean "reach"'],
  ])(
    'refuses %s with a 400 that names the field, and stores nothing',
    async (_what, body, field, words) => {
      app = await startTestApp();
      const res =
        body === undefined ? await api(url(), { method: 'POST' }) : await add(body as unknown);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      const issues = res.json.error.details.issues as { in?: string; path: string[] }[];
      expect(issues.length).toBeGreaterThan(0);
      if (field === 'body') expect(issues).toMatchObject([{ in: 'body', path: [] }]);
      else if (field !== '') expect(issues.map((i) => i.path[0])).toContain(field);
      expect(res.json.error.message).toContain(words);
      expect((await api(url())).json.items).toEqual([]);
    },
  );

  it('changes only what a PATCH gives, and refuses a bad one whole', async () => {
    app = await startTestApp();
    await add({ id: 'ada', name: 'Ada', reach: '+14155552671', campaigns: ['spring'] });
    const renamed = await api(url('/ada'), { method: 'PATCH', body: { name: 'Ada L.' } });
    expect(renamed.json).toMatchObject({
      name: 'Ada L.',
      reach: '+14155552671',
      campaigns: ['spring'],
    });
    for (const body of [{ reach: 'nowhere', name: 'X' }, { campaign: ['x'] }, { state: 'away' }]) {
      const res = await api(url('/ada'), { method: 'PATCH', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (await api(url('/ada'), { method: 'PATCH', body: { campaign: ['x'] } })).json.error.message,
    ).toContain('did you mean "campaigns"');
    expect((await api(url('/ada'))).json).toMatchObject({ name: 'Ada L.', reach: '+14155552671' });
    const unknown = await api(url('/bob'), { method: 'PATCH', body: { name: 'Bob' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({ code: 'not_found', message: 'No agent with id "bob"' });
  });

  it('refuses a state that is neither available nor away, and a body without one', async () => {
    app = await startTestApp();
    await add({ id: 'ada', reach: '+14155552671' });
    for (const body of [{ state: 'talking' }, {}, { state: 'away', why: 'lunch' }]) {
      const res = await api(url('/ada/state'), { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.details.issues[0].in).toBe('body');
    }
    expect((await setState('ada', 'talking')).json.error.message).toBe(
      'state: must be one of "available", "away"',
    );
    expect((await api(url('/ada'))).json.state).toBe('away');
  });

  it('answers 404 for an unknown id on every route of one agent', async () => {
    app = await startTestApp();
    for (const res of [
      await api(url('/bob')),
      await api(url('/bob'), { method: 'PATCH', body: { name: 'Bob' } }),
      await setState('bob', 'available'),
      await api(url('/bob'), { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it('refuses an id in the path the package would never give with a 400 about the id', async () => {
    app = await startTestApp();
    for (const res of [
      await api(url('/no%20spaces')),
      await api(url('/no%20spaces'), { method: 'PATCH', body: {} }),
      await setState('no%20spaces', 'away'),
      await api(url(`/${'a'.repeat(101)}`), { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.message).toMatch(/^id: /);
      expect(res.json.error.details.issues).toEqual([
        { in: 'params', path: ['id'], code: expect.any(String), message: expect.any(String) },
      ]);
    }
  });

  it.each([
    ['a limit of 0', '?limit=0', 'limit'],
    ['a limit over 500', '?limit=501', 'limit'],
    ['a limit that is no number', '?limit=ten', 'limit'],
    ['a cursor it never gave', '?cursor=nope', 'cursor'],
    ['an empty campaign name', '?campaign=', 'campaign'],
    ['a campaign name of 201 characters', `?campaign=${'a'.repeat(201)}`, 'campaign'],
    ['a campaign given twice', '?campaign=a&campaign=b', 'campaign'],
    ['an unknown parameter', '?state=away', 'state'],
  ])('refuses a list query with %s (400)', async (_what, query, field) => {
    app = await startTestApp();
    const res = await api(url(query));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toContain(field);
  });

  it('answers 405 with Allow for a method no agent route takes', async () => {
    app = await startTestApp();
    const put = await api(url('/ada'), { method: 'PUT', body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, PATCH, DELETE, HEAD');
    expect((await api(url('/ada/state'))).headers.get('allow')).toBe('POST');
    expect((await api(url(), { method: 'DELETE' })).status).toBe(405);
  });
});

describe('an agent on a call', () => {
  /** An app on `store`, and the agents of that store as another worker sees them. */
  async function withWorker() {
    const store = createMemoryStore();
    app = await startTestApp({ store });
    return createAgents({ store, wrapUpMs: 60_000 });
  }

  it('keeps their state while the call rings and talks (409 agent_busy), and lets them back early from the wrap-up', async () => {
    const worker = await withWorker();
    await add({ id: 'ada', reach: '+14155552671', campaigns: ['spring'], state: 'available' });
    const claimed = await worker.claim('spring', 'call-1');
    expect(claimed?.id).toBe('ada');

    const refused = await setState('ada', 'away');
    expect(refused.status).toBe(409);
    expect(refused.json.error).toEqual({
      code: 'agent_busy',
      message: 'Agent ada is ringing: their call decides their state',
      details: { id: 'ada', reason: 'busy', state: 'ringing' },
    });
    const read = (await api(url('/ada'))).json;
    expect(read).toMatchObject({ state: 'ringing', call_id: 'call-1', campaign: 'spring' });

    await worker.connected('ada', 'call-1');
    expect((await setState('ada', 'available')).status).toBe(409);
    const removal = await api(url('/ada'), { method: 'DELETE' });
    expect(removal.status).toBe(409);
    expect(removal.json.error.code).toBe('agent_busy');
    expect(removal.json.error.details.state).toBe('talking');
    // Their name and reach may change during a call.
    expect((await api(url('/ada'), { method: 'PATCH', body: { name: 'Ada' } })).status).toBe(200);

    await worker.released('ada', 'call-1');
    const wrapUp = (await api(url('/ada'))).json;
    expect(wrapUp).toMatchObject({ state: 'wrap-up', call_id: 'call-1' });
    expect(Date.parse(wrapUp.until)).toBeGreaterThan(Date.now());
    expect(wrapUp.totals.talking_ms).toBeGreaterThanOrEqual(0);
    const back = await setState('ada', 'available');
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({ state: 'available', until: null, call_id: null });
    expect((await api(url('/ada'), { method: 'DELETE' })).status).toBe(200);
  });
});

describe('the agents routes, as every /api route', () => {
  it('answer 501 agents_unsupported over a store without agent methods', async () => {
    const inner = createMemoryStore();
    const store = Object.assign(Object.create(inner) as Store, {
      insertAgent: undefined,
      getAgent: undefined,
      listAgents: undefined,
      readyAgents: undefined,
      updateAgent: undefined,
      deleteAgent: undefined,
    });
    app = await startTestApp({ store });
    for (const res of [
      await api(url()),
      await add({ id: 'ada', reach: '+14155552671' }),
      await api(url('/ada')),
      await setState('ada', 'available'),
      await api(url('/ada'), { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(501);
      expect(res.json.error.code).toBe('agents_unsupported');
      expect(res.json.error.message).toMatch(/has no agent methods/);
    }
  });

  it('take JSON only, ask for API_TOKEN when it is set, and answer only to their own names', async () => {
    const token = 'secret-token-0123456789';
    app = await startTestApp({ env: { API_TOKEN: token } });
    const auth = { authorization: `Bearer ${token}` };
    expect((await api(url())).status).toBe(401);
    expect(
      (await api(url(), { method: 'POST', body: { id: 'ada', reach: '+14155552671' } })).status,
    ).toBe(401);
    const form = await api(url(), {
      method: 'POST',
      raw: 'id=ada&reach=%2B14155552671',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const rebound = await rawRequest(app.url, [
      'GET /api/agents HTTP/1.1',
      'Host: rebind.evil.example',
      `Authorization: Bearer ${token}`,
    ]);
    expect(rebound.status).toBe(421);
    expect((await api(url(), { headers: auth })).json.items).toEqual([]);
    const added = await api(url(), {
      method: 'POST',
      body: { id: 'ada', reach: '+14155552671' },
      headers: auth,
    });
    expect(added.status).toBe(201);
  });
});
