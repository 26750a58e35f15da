import { afterEach, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from './_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const EVIL = 'https://evil.example';

describe('who may drive the demo', () => {
  it('refuses a text/plain POST from another site, and changes nothing', async () => {
    app = await startTestApp();
    const res = await fetch(`${app.url}/api/dialer/start`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'origin_not_allowed',
    );
    expect((await api(`${app.url}/api/dialer`)).json.state).toBe('idle');
  });

  it('refuses a preflight from another site and allows one from ALLOWED_ORIGINS', async () => {
    app = await startTestApp({ env: { ALLOWED_ORIGINS: 'https://shop.example' } });
    const preflight = (origin: string) =>
      fetch(`${app!.url}/api/scheduled-calls/x`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'DELETE' },
      });
    const evil = await preflight(EVIL);
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const shop = await preflight('https://shop.example');
    expect(shop.status).toBe(204);
    expect(shop.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(shop.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(shop.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers 415 to a mutating request that is not JSON, from the app itself too', async () => {
    app = await startTestApp();
    const res = await fetch(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'phone_number=%2B14155552671',
    });
    expect(res.status).toBe(415);
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('refuses a Host it does not answer to (DNS rebinding) with 421', async () => {
    app = await startTestApp();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${app!.url}/api/dialer`, {
        headers: { host: 'rebind.evil.example' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    expect((await api(`${app.url}/healthz`)).status).toBe(200);
  });

  it('asks for API_TOKEN as a Bearer token when it is set', async () => {
    const token = 'secret-token-0123456789';
    app = await startTestApp({ env: { API_TOKEN: token } });
    expect((await api(`${app.url}/api/dialer`)).status).toBe(401);
    const wrong = await api(`${app.url}/api/dialer`, {
      headers: { authorization: 'Bearer secret-token-0123456780' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('unauthorized');
    const right = await api(`${app.url}/api/dialer`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.status).toBe(200);
    // EventSource cannot send headers: the events stream takes the token in the query.
    const controller = new AbortController();
    const events = await fetch(`${app.url}/api/events?access_token=${token}`, {
      signal: controller.signal,
    });
    expect(events.status).toBe(200);
    controller.abort();
    expect((await fetch(`${app.url}/api/dialer?access_token=${token}`)).status).toBe(401);
  });

  it('limits mutating requests per client with a JSON 429', async () => {
    app = await startTestApp({ env: { RATE_LIMIT: '5' } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const res = await api(`${app.url}/api/scheduled-calls`, {
        method: 'POST',
        body: {
          phone_number: '+14155552671',
          scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.json.error.code).toBe('rate_limited');
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    // Reads are not limited.
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toHaveLength(5);
  });

  it('warns when it listens beyond this machine without API_TOKEN', async () => {
    app = await startTestApp({ env: { HOST: '0.0.0.0' } });
    expect(app.logs.some((l) => l['level'] === 40 && String(l['msg']).includes('API_TOKEN'))).toBe(
      true,
    );
  });
});

describe('limits', () => {
  it('caps event streams per client and in all with a JSON 503', async () => {
    app = await startTestApp({ env: { SSE_MAX_PER_CLIENT: '2', SSE_MAX: '3' } });
    const controllers: AbortController[] = [];
    const open = async () => {
      const controller = new AbortController();
      controllers.push(controller);
      return fetch(`${app!.url}/api/events`, { signal: controller.signal });
    };
    try {
      expect((await open()).status).toBe(200);
      expect((await open()).status).toBe(200);
      const third = await open();
      expect(third.status).toBe(503);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
        'too_many_streams',
      );
      // A stream that closes frees its place.
      controllers[0]!.abort();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await open()).status).toBe(200);
    } finally {
      for (const controller of controllers) controller.abort();
    }
  });

  it('closes a request whose body trickles in slower than REQUEST_TIMEOUT_MS', async () => {
    app = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '500' } });
    const { connect } = await import('node:net');
    const { port } = new URL(app.url);
    // A 100-byte body sent a byte at a time, 200 ms apart: whole only after 20 s.
    const sent = await new Promise<number>((resolve) => {
      let bytes = 0;
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /api/scheduled-calls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
        );
        const drip = setInterval(() => {
          if (bytes < 100 && !socket.destroyed) {
            socket.write(' ');
            bytes += 1;
          }
        }, 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(bytes);
        });
        socket.on('error', () => undefined);
        socket.resume();
      });
    });
    // The server hung up while the body was still coming.
    expect(sent).toBeLessThan(100);
  });
});

describe('input a careful API refuses', () => {
  const at = () => new Date(Date.now() + 3_600_000).toISOString();

  it.each([
    ['an RTL override', '+1415\u202e5552671'],
    ['a zero-width space', '+1415\u200b5552671'],
    ['an emoji', '+14155552671\u{1F4DE}'],
    ['a NUL', '+14155552671\u0000'],
    ['Arabic-Indic digits', '\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0662\u0666\u0667\u0661'],
    ['fullwidth digits', '\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff11'],
    ['an extension', '+14155552671 ext. 1234'],
  ])('answers 400 to a phone_number with %s', async (_, phone) => {
    app ??= await startTestApp();
    const res = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: phone, scheduled_time: at() },
    });
    expect(res.status).toBe(400);
  });

  it('keeps what a person types: spaces, dashes, parentheses, a leading +', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: ' +1 (415) 555-2671 ', scheduled_time: at() },
    });
    expect(res.status).toBe(201);
    expect(res.json.phone_number).toBe('+14155552671');
  });

  it('refuses the year 9999 on POST and PATCH', async () => {
    app = await startTestApp();
    const far = '9999-01-01T00:00:00Z';
    const post = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '+14155552671', scheduled_time: far },
    });
    expect(post.status).toBe(400);
    expect(post.json.error.message).toMatch(/more than a year ahead/);
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '+14155552671', scheduled_time: at() },
    });
    const patch = await api(`${app.url}/api/scheduled-calls/${created.json.id}`, {
      method: 'PATCH',
      body: { scheduled_time: far },
    });
    expect(patch.status).toBe(400);
  });

  it.each(['0x10', '1e1', '16.0', ' 16', '-1', '0'])('refuses limit=%s', async (limit) => {
    app ??= await startTestApp();
    const res = await api(`${app.url}/api/scheduled-calls?limit=${encodeURIComponent(limit)}`);
    expect(res.status).toBe(400);
  });

  it('refuses a cron that runs every second and a window whose start equals its end', async () => {
    app = await startTestApp();
    const cron = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: '+14155552671',
        scheduled_time: at(),
        recurrence: { cron: '* * * * * *', timezone: 'UTC' },
      },
    });
    expect(cron.status).toBe(400);
    expect(JSON.stringify(cron.json)).toMatch(/more often than once a minute/);
    const window = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: '+14155552671',
        scheduled_time: at(),
        window: { start: '09:00', end: '09:00', timezone: 'UTC' },
      },
    });
    expect(window.status).toBe(400);
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('answers 405 with Allow to a wrong method on a known path', async () => {
    app = await startTestApp();
    const put = await api(`${app.url}/api/dialer/start`, { method: 'PUT', body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    const del = await api(`${app.url}/api/scheduled-calls`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST, HEAD');
    expect((await api(`${app.url}/api/nothing-here`)).status).toBe(404);
  });
});
