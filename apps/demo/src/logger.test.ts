import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  announcer,
  createLogger,
  logPlacement,
  maskPhone,
  redactPhones,
  redactUrl,
} from './logger.js';

describe('phone number redaction', () => {
  it('keeps the last two digits only', () => {
    expect(maskPhone('+1 (301) 804-0009')).toBe('***09');
  });

  it('masks numbers in paths and queries, however written', () => {
    expect(redactUrl('/api/calls/13018040009')).toBe('/api/calls/***09');
    expect(redactUrl('/calls/(301)%20804-0009?x=1')).toBe('/calls/***09?x=1');
    expect(redactUrl('/api/scheduled-calls?phone_number=%2B13018040009&limit=2')).toBe(
      '/api/scheduled-calls?phone_number=***09&limit=2',
    );
    expect(redactUrl('/api/scheduled-calls?limit=20')).toBe('/api/scheduled-calls?limit=20');
    expect(redactUrl('/webhooks/dialer/Kbb1PxfUW13a1-TReIUHn5j0pUltyfp0')).toBe(
      '/webhooks/dialer/***',
    );
  });

  it('masks phone fields and digit runs in any value, leaving the rest', () => {
    expect(
      redactPhones({
        phone_number: '(415) 555-2671',
        nested: [{ to: '+14155552671', note: 'call 14155552671 at 2030-01-01T09:00:00Z' }],
        limit: 20,
      }),
    ).toEqual({
      phone_number: '***71',
      nested: [{ to: '***71', note: 'call ***71 at 2030-01-01T09:00:00Z' }],
      limit: 20,
    });
  });

  it('masks numbers in messages, fields and errors of the logger', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    logger.info({ phone: '13018040009' }, 'dialing 13018040009');
    logger.error({ err: new Error('Invalid phone number "19842068287"') }, 'failed');
    const text = lines.join('');
    expect(text).not.toMatch(/13018040009|19842068287/);
    expect(text).toContain('dialing ***09');
    expect(text).toContain('Invalid phone number \\"***87\\"');
  });
});

describe('trace ids', () => {
  it('keeps the hex ids of a span whole, and masks a number given in their place', () => {
    const ids = { trace_id: '4b58069612b55dad0bbff0a47d0d24c8', span_id: '0a47d0d2412b5506' };
    expect(redactPhones(ids)).toEqual(ids);
    expect(redactPhones({ trace_id: '14155552671 ' })).toEqual({ trace_id: '***71 ' });
    expect(redactPhones({ trace_id: 'a1' })).toEqual({ trace_id: 'a1' });
  });

  it('leaves ids whose digit runs are glued to letters alone: UUIDs and hex ids', () => {
    for (const uuid of [
      '8dc03889-5937-4a9f-a3d2-d33483b33384',
      '85949079-a66d-426d-9ff7-6f303e851548',
      '85949079-1234-4567-8901-234567890123',
    ]) {
      expect(redactPhones({ call_id: uuid, note: `call ${uuid} placed` })).toEqual({
        call_id: uuid,
        note: `call ${uuid} placed`,
      });
    }
    const uuid = '8dc03889-5937-4a9f-a3d2-d33483b33384';
    expect(redactUrl(`/api/scheduled-calls/${uuid}`)).toBe(`/api/scheduled-calls/${uuid}`);
    expect(redactPhones({ other: '4b58069612b55dad' })).toEqual({ other: '4b58069612b55dad' });
    // A number between words is still one.
    expect(redactPhones({ note: 'to 14155552671.' })).toEqual({ note: 'to ***71.' });
  });
});

describe('logPlacement', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    return { logger, lines };
  }
  const line = {
    source: 'scheduler' as const,
    call_id: 'c1',
    attempt: 2,
    to: '+14155552671',
    provider: 'mock-call-api',
    provider_call_id: 'p9',
    provider_status: 'initiated',
    lag_ms: 3,
    duration_ms: 12,
  };

  it('logs a placed call at info with its span ids and the number masked', () => {
    const { logger, lines } = capture();
    logPlacement(logger, {
      ...line,
      outcome: 'placed',
      trace: { traceId: '4b58069612b55dad0bbff0a47d0d24c8', spanId: '0a47d0d2412b5506' },
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'call placement: placed',
        source: 'scheduler',
        call_id: 'c1',
        attempt: 2,
        to: '***71',
        outcome: 'placed',
        provider_status: 'initiated',
        lag_ms: 3,
        duration_ms: 12,
        trace_id: '4b58069612b55dad0bbff0a47d0d24c8',
        span_id: '0a47d0d2412b5506',
      }),
    ]);
  });

  it('logs a placement that failed at warn, with its error and no span ids when untraced', () => {
    const { logger, lines } = capture();
    logPlacement(logger, { ...line, outcome: 'unknown', err: new Error('502 for +14155552671') });
    expect(lines[0]).toMatchObject({ level: 40, msg: 'call placement: unknown' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(JSON.stringify(lines)).not.toMatch(/4155552671/);
  });
});

describe('numbers written with separators', () => {
  const numbers = [
    '(650) 555-0111',
    '415-555-2671',
    '415.555.2671',
    '+1 415 555 2671',
    '+44 20 7946 0958',
    '415%20555%202671',
  ];

  it.each(numbers)('masks %s in free text, in a known field, and in a URL', (written) => {
    const text = `callback on ${written} please`;
    const masked = redactPhones({ note: text, idempotency_key: `cust ${written}` }) as Record<
      string,
      string
    >;
    expect(masked.note).toMatch(/^callback on \*\*\*\d\d please$/);
    expect(masked.idempotency_key).toMatch(/^cust \*\*\*\d\d$/);
    expect(redactUrl(`/calls/13018040009?ref=${written}`)).toMatch(
      /^\/calls\/\*\*\*09\?ref=\*\*\*\d\d$/,
    );
  });

  it('leaves dates, times, counts and short numbers alone', () => {
    const text = 'at 2026-11-22T10:00:00Z, limit 50, page 2 of 12, id 4821';
    expect(redactPhones({ note: text })).toEqual({ note: text });
  });

  it('feeds such values through every logged field of a request without one leaking', async () => {
    const { startTestApp, api } = await import('./_test-utils.js');
    const app = await startTestApp({ env: { API_TOKEN: 'secret-token-0123456789' } });
    try {
      const headers = { authorization: 'Bearer secret-token-0123456789' };
      await api(`${app.url}/api/scheduled-calls?ref=415-555-2671`, {
        method: 'POST',
        headers,
        body: {
          phone_number: '(650) 555-0111',
          scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
          idempotency_key: 'cust 415-555-2671',
          metadata: { note: 'callback on (650) 555-0111' },
        },
      });
      await api(`${app.url}/calls/(650)%20555-0111?ref=415.555.2671`);
      const stream = new AbortController();
      await fetch(`${app.url}/api/events?access_token=secret-token-0123456789&last_event_id=x`, {
        signal: stream.signal,
      });
      stream.abort();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the stream's log line
      const text = JSON.stringify(app.logs);
      expect(text).not.toMatch(/555[-. ]?0111|555[-. ]?2671|555%20|secret-token/);
      expect(text).toContain('***11');
    } finally {
      await app.close();
    }
  });
});

describe('createHttpLogger', () => {
  it('logs webhooks at debug without their token or raw body', async () => {
    const { startTestApp, api } = await import('./_test-utils.js');
    const app = await startTestApp({
      env: { LOG_LEVEL: 'debug', WEBHOOK_TOKEN: 'fixed-token-0123456789' },
    });
    try {
      await api(`${app.url}/api/dialer/start`, { method: 'POST' });
      await api(`${app.url}/webhooks/dialer/fixed-token-0123456789`, {
        method: 'POST',
        raw: '{"id":"12345678","status":"ringing"}',
      });
      const hook = app.logs.find((l) =>
        String((l['req'] as { url?: string } | undefined)?.url).startsWith('/webhooks/'),
      )!;
      expect(hook['level']).toBe(20);
      expect((hook['req'] as { url: string }).url).toBe('/webhooks/dialer/***');
      expect(hook['body']).toBeUndefined();
      expect(JSON.stringify(app.logs)).not.toContain('fixed-token-0123456789');
    } finally {
      await app.close();
    }
  });

  it('keeps the status code of each response', async () => {
    const { startTestApp, api } = await import('./_test-utils.js');
    const app = await startTestApp();
    try {
      await api(`${app.url}/api/dialer`);
      await api(`${app.url}/api/calls/12`);
      const lines = app.logs.filter((l) => l['req'] !== undefined);
      expect(lines.map((l) => (l['res'] as { statusCode: number }).statusCode)).toEqual([200, 400]);
      expect(lines.map((l) => l['level'])).toEqual([30, 40]);
    } finally {
      await app.close();
    }
  });
});

describe('announcer', () => {
  /** The `msg` of each line a logger at `level` and its announcer write, in order. */
  function written(level: 'debug' | 'info' | 'warn' | 'error' | 'silent') {
    const lines: string[] = [];
    const logger = createLogger(
      level,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
          done();
        },
      }),
    );
    logger.info('an info line');
    announcer(logger).info('ringkit demo ready: open http://localhost:4000');
    logger.info('another info line');
    return lines;
  }

  it('prints where the demo is at every level but silent, and leaves the level of the rest', () => {
    const ready = 'ringkit demo ready: open http://localhost:4000';
    expect(written('warn')).toEqual([ready]);
    expect(written('error')).toEqual([ready]);
    expect(written('info')).toEqual(['an info line', ready, 'another info line']);
    expect(written('debug')).toEqual(['an info line', ready, 'another info line']);
    expect(written('silent')).toEqual([]);
  });
});
