import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiLimits, callOptions } from './capabilities.js';

const LIMITS = { campaign_numbers: 10_000, campaign_body_bytes: 1_048_576, schedule_ahead_ms: 1 };

/** A server at `base` that answers `GET /api/capabilities` with `status` and `body`. */
function serve(status: number, body: unknown) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('apiLimits', () => {
  it("gives the server's limits, asking once per API for every element of the page", async () => {
    const fetch = serve(200, { provider: 'mock', call_options: [], limits: LIMITS });
    expect(await apiLimits('http://one.test')).toEqual(LIMITS);
    expect(await callOptions('http://one.test')).toEqual([]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('gives none for an older server, which says no limits, and for a failed request', async () => {
    serve(200, { provider: 'mock', call_options: ['message'] });
    expect(await apiLimits('http://older.test')).toBeNull();
    serve(500, { error: { code: 'internal', message: 'Internal error' } });
    expect(await apiLimits('http://down.test')).toBeNull();
  });
});
