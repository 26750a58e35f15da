/**
 * The shared HTTP client's hooks for one provider: headers made for each attempt
 * (`attemptHeaders`), and requests sent once and never again (`retry: false`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isHttpError, isPlacementWithheldError } from '../errors/errors.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createHttpClient } from './_client.js';

const fast = { retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 } };
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

interface Seen {
  method: string;
  /** Every header as sent, names in lower case, each once per time it was sent. */
  headers: Array<[string, string]>;
  body: string;
}

/** A server that answers each request with the next of `answers` (the last one repeated). */
async function listen(answers: number[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
      seen.push({ method: req.method!, headers, body });
      const status = answers[Math.min(seen.length, answers.length) - 1]!;
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ n: seen.length }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The values a request carried under `name`. */
const valuesOf = (seen: Seen, name: string) =>
  seen.headers.filter(([n]) => n === name).map(([, v]) => v);

/** `attemptHeaders` that hands out `token-1`, `token-2`, … and logs each call. */
function counting(log: string[] = []) {
  let n = 0;
  return () => {
    n += 1;
    log.push(`headers ${n}`);
    return { Authorization: `Bearer token-${n}` };
  };
}

const anything = z.unknown();

describe('createHttpClient({ attemptHeaders })', () => {
  it('puts headers made anew on each attempt, retries included', async () => {
    const { url, seen } = await listen([503, 500, 200]);
    const http = createHttpClient(url, { ...fast, attemptHeaders: counting() });
    await http.request({ method: 'get', path: 'calls/1', schema: anything });
    expect(seen.map((s) => valuesOf(s, 'authorization'))).toEqual([
      ['Bearer token-1'],
      ['Bearer token-2'],
      ['Bearer token-3'],
    ]);
  });

  it('lays them over the fixed headers: a name it gives replaces the fixed one, whatever its case', async () => {
    const { url, seen } = await listen([200]);
    const http = createHttpClient(url, {
      headers: { authorization: 'Basic fixed', 'X-Trace': 'kept' },
      attemptHeaders: counting(),
    });
    await http.request({ method: 'post', path: 'calls', json: { a: 1 }, schema: anything });
    expect(valuesOf(seen[0]!, 'authorization')).toEqual(['Bearer token-1']);
    expect(valuesOf(seen[0]!, 'x-trace')).toEqual(['kept']);
    expect(valuesOf(seen[0]!, 'content-type')).toEqual(['application/json']);
    expect(seen[0]!.body).toBe('{"a":1}');
  });

  it('hands a `fetch` option each attempt as a whole Request carrying them, and its body', async () => {
    const { url, seen } = await listen([503, 201]);
    const handed: Array<{ authorization: string | null; fixed: string | null; body: string }> = [];
    const http = createHttpClient(url, {
      ...fast,
      headers: { 'x-fixed': 'yes' },
      attemptHeaders: counting(),
      fetch: async (input, init) => {
        const request = input as Request;
        handed.push({
          authorization: request.headers.get('authorization'),
          fixed: request.headers.get('x-fixed'),
          body: await request.clone().text(),
        });
        return globalThis.fetch(request, init);
      },
    });
    await http.request({ method: 'put', path: 'calls/1', json: { b: 2 }, schema: anything });
    expect(handed).toEqual([
      { authorization: 'Bearer token-1', fixed: 'yes', body: '{"b":2}' },
      { authorization: 'Bearer token-2', fixed: 'yes', body: '{"b":2}' },
    ]);
    expect(seen.map((s) => valuesOf(s, 'authorization'))).toEqual([
      ['Bearer token-1'],
      ['Bearer token-2'],
    ]);
  });

  it('makes them after the pacer’s wait and `beforeSend`, and not at all for an attempt withheld', async () => {
    const { url, seen } = await listen([201]);
    const clock = createFakeClock(0);
    const log: string[] = [];
    const http = createHttpClient(url, {
      callsPerSecond: 1,
      clock,
      attemptHeaders: counting(log),
    });
    const place = (name: string, refuse = false) =>
      http.request({
        method: 'post',
        path: 'calls',
        json: { name },
        schema: anything,
        paced: true,
        beforeSend: () => {
          log.push(`beforeSend ${name}`);
          if (refuse) throw new Error('listed');
        },
      });
    await place('a');
    const second = place('b', true).catch((e: unknown) => e);
    // `b` waits for the pacer's next turn: nothing of it has run yet.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['beforeSend a', 'headers 1']);
    await clock.advance(1001);
    expect(isPlacementWithheldError(await second)).toBe(true);
    expect(log).toEqual(['beforeSend a', 'headers 1', 'beforeSend b']);
    expect(seen).toHaveLength(1);
  });

  it('sends nothing when it throws, and rejects with what it threw, trying no further attempt', async () => {
    const { url, seen } = await listen([200]);
    // A TypeError, as a failed `fetch` throws one: still not taken for a connection that failed.
    const why = new TypeError('the key is gone');
    let calls = 0;
    const http = createHttpClient(url, {
      ...fast,
      attemptHeaders: () => {
        calls += 1;
        throw why;
      },
    });
    for (const method of ['get', 'post'] as const) {
      const error = await http
        .request({ method, path: 'calls', schema: anything })
        .catch((e: unknown) => e);
      expect(error).toBe(why);
    }
    expect(calls).toBe(2);
    expect(seen).toEqual([]);
  });
});

describe('a request with retry: false', () => {
  it.each([
    ['put', 503],
    ['put', 500],
    ['get', 429],
    ['post', 429],
  ] as const)(
    'is sent once: a %s answered %i, which the client retries otherwise, fails at once',
    async (method, status) => {
      const { url, seen } = await listen([status, status, 200]);
      const http = createHttpClient(url, fast, { notAcceptedStatuses: [429, 503] });
      const body = method === 'get' ? {} : { json: {} };
      const once = await http
        .request({ method, path: 'calls/1', ...body, schema: anything, retry: false })
        .catch((e: unknown) => e);
      expect(isHttpError(once) && once.status).toBe(status);
      expect(once).toMatchObject({ attempts: 1 });
      expect(seen).toHaveLength(1);
      // The same request without it is sent again, and passes.
      await http.request({ method, path: 'calls/1', ...body, schema: anything });
      expect(seen).toHaveLength(3);
    },
  );

  it('is sent once when its connection is refused, which is retried otherwise', async () => {
    const { url } = await listen([200]);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    let sent = 0;
    const http = createHttpClient(url, {
      ...fast,
      attemptHeaders: () => {
        sent += 1;
        return {};
      },
    });
    await http
      .request({ method: 'put', path: 'calls/1', json: {}, schema: anything, retry: false })
      .catch((e: unknown) => e);
    expect(sent).toBe(1);
    await http
      .request({ method: 'put', path: 'calls/1', json: {}, schema: anything })
      .catch((e: unknown) => e);
    expect(sent).toBe(1 + 4);
  });
});
