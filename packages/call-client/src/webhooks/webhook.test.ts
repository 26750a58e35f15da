import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, WebhookValidationError } from '../errors/errors.js';
import { createWebhookHandler, createWebhookToken, parseStatusWebhook } from './webhook.js';

const token = 'tok_0123456789abcdef';

function reasonOf(body: unknown) {
  try {
    parseStatusWebhook(body);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookValidationError);
    return (error as WebhookValidationError).reason;
  }
  throw new Error('parsed');
}

describe('parseStatusWebhook', () => {
  it('parses an object, a JSON string or bytes into an event with a string id', () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const expected = { callId: '2345', status: 'ringing', providerStatus: 'ringing', at: now };
    expect(parseStatusWebhook({ id: 2345, status: 'ringing' }, { now })).toEqual({
      ...expected,
      raw: { id: 2345, status: 'ringing' },
    });
    expect(parseStatusWebhook('{"id":2345,"status":"ringing"}', { now })).toEqual({
      ...expected,
      raw: { id: 2345, status: 'ringing' },
    });
    expect(
      parseStatusWebhook(new TextEncoder().encode('{"id":"2345","status":"ringing"}'), { now }),
    ).toEqual({ ...expected, raw: { id: '2345', status: 'ringing' } });
  });

  it.each([
    ['human', 'human'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['fax', 'fax'],
    ['robot', 'unknown'],
  ])('reads answered_by %s as answeredBy %s', (word, answeredBy) => {
    const body = { id: 7, status: 'answered', answered_by: word };
    expect(parseStatusWebhook(body)).toMatchObject({ answeredBy, raw: body });
    expect(parseStatusWebhook(JSON.stringify(body))).toMatchObject({ answeredBy });
  });

  it('leaves answeredBy out when the webhook does not say who answered', () => {
    expect(parseStatusWebhook({ id: 7, status: 'answered' })).not.toHaveProperty('answeredBy');
    expect(parseStatusWebhook({ id: 7, status: 'answered', answered_by: 3 })).not.toHaveProperty(
      'answeredBy',
    );
  });

  it('maps provider words and keeps them verbatim', () => {
    expect(parseStatusWebhook({ id: 'a', status: 'answered', extra: 1 })).toMatchObject({
      status: 'answered',
      providerStatus: 'answered',
    });
    expect(parseStatusWebhook({ id: 'a', status: 'Connected' })).toMatchObject({
      status: 'answered',
      providerStatus: 'Connected',
    });
  });

  it('parses a repeated webhook the same way each time', () => {
    const body = { id: 9, status: 'completed' };
    const now = new Date(0);
    expect(parseStatusWebhook(body, { now })).toEqual(parseStatusWebhook(body, { now }));
  });

  it.each([
    ['not JSON', '{"id": 1,', 'not_json'],
    ['not an object (array)', [1, 2], 'not_object'],
    ['not an object (string JSON)', '"hello"', 'not_object'],
    ['null', null, 'not_object'],
    ['missing id', { status: 'ringing' }, 'missing_id'],
    ['empty id', { id: '', status: 'ringing' }, 'missing_id'],
    ['negative id', { id: -1, status: 'ringing' }, 'missing_id'],
    ['fractional id', { id: 1.5, status: 'ringing' }, 'missing_id'],
    ['id with a NUL character', { id: 'c\u00001', status: 'ringing' }, 'missing_id'],
    ['id with a lone surrogate', { id: 'c\uDC001', status: 'ringing' }, 'missing_id'],
    [
      'id with a NUL character, as JSON text',
      '{"id": "c\\u00001", "status": "ringing"}',
      'missing_id',
    ],
    ['status with a NUL character', { id: 1, status: 'ringing\u0000' }, 'unknown_status'],
    ['missing status', { id: 1 }, 'missing_status'],
    ['status not a string', { id: 1, status: 3 }, 'missing_status'],
    ['unknown status', { id: 1, status: 'teleported' }, 'unknown_status'],
  ])('refuses %s', (_, body, reason) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('keeps the unknown status word on the error', () => {
    const error = (() => {
      try {
        return parseStatusWebhook({ id: 1, status: 'teleported' });
      } catch (e) {
        return e as WebhookValidationError;
      }
    })() as WebhookValidationError;
    expect(error.providerStatus).toBe('teleported');
    expect(error.message).toContain('"teleported"');
  });
});

describe('createWebhookHandler', () => {
  it('hands a valid event to onEvent and answers 204', async () => {
    const onEvent = vi.fn();
    const handle = createWebhookHandler({ token, onEvent });
    await expect(handle({ token, body: { id: 1, status: 'completed' } })).resolves.toEqual({
      status: 204,
    });
    expect(onEvent).toHaveBeenCalledWith(
      expect.objectContaining({ callId: '1', status: 'completed' }),
    );
  });

  it.each([undefined, '', 'tok_0123456789abcdeX', `${token}x`, token.slice(0, -1)])(
    'answers 404 to the wrong token %j without calling onEvent',
    async (wrong) => {
      const onEvent = vi.fn();
      const onError = vi.fn();
      const answer = await createWebhookHandler({ token, onEvent, onError })({
        token: wrong,
        body: { id: 1, status: 'ringing' },
      });
      expect(answer.status).toBe(404);
      expect(onEvent).not.toHaveBeenCalled();
      expect(onError).toHaveBeenCalledOnce();
    },
  );

  it('answers 400 with the reason to a malformed body', async () => {
    const onEvent = vi.fn();
    const answer = await createWebhookHandler({ token, onEvent })({
      token,
      body: { status: 'ringing' },
    });
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_webhook', details: 'missing_id' } },
    });
    expect(onEvent).not.toHaveBeenCalled();
  });

  it('answers 500 when onEvent fails, so the provider may retry', async () => {
    const onError = vi.fn();
    const answer = await createWebhookHandler({
      token,
      onEvent: () => Promise.reject(new Error('store down')),
      onError,
    })({ token, body: { id: 1, status: 'ringing' } });
    expect(answer.status).toBe(500);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'store down' }));
  });

  it('refuses a short token or a missing onEvent', () => {
    expect(() => createWebhookHandler({ token: 'short', onEvent: () => {} })).toThrow(
      InvalidOptionsError,
    );
    expect(() => createWebhookHandler({ token } as never)).toThrow(InvalidOptionsError);
  });

  it('makes fresh URL-safe tokens long enough for the handler', () => {
    const a = createWebhookToken();
    expect(a).toMatch(/^[\w-]{32}$/);
    expect(createWebhookToken()).not.toBe(a);
    expect(() => createWebhookHandler({ token: a, onEvent: () => {} })).not.toThrow();
  });
});

describe('parseStatusWebhook on bodies that are not plain objects', () => {
  const reasonOf = (body: unknown) => {
    try {
      parseStatusWebhook(body);
    } catch (error) {
      return (error as WebhookValidationError).reason;
    }
    return 'accepted';
  };

  it('reads an object without a prototype, bytes, and a body with its own "constructor"', () => {
    const bare = Object.assign(Object.create(null) as object, { id: 7, status: 'ringing' });
    expect(parseStatusWebhook(bare).callId).toBe('7');
    const bytes = new TextEncoder().encode('{"id":"a-1","status":"completed"}');
    expect(parseStatusWebhook(bytes)).toMatchObject({ callId: 'a-1', status: 'completed' });
    expect(parseStatusWebhook({ id: 8, status: 'busy', constructor: 1 }).callId).toBe('8');
  });

  it('trims a string id, and refuses a negative, fractional or empty one', () => {
    expect(parseStatusWebhook({ id: '  42 ', status: 'ringing' }).callId).toBe('42');
    for (const id of [-1, 1.5, '', '   ', 'x'.repeat(257), null, true])
      expect(reasonOf({ id, status: 'ringing' })).toBe('missing_id');
  });

  it('judges an id beyond the safe integers as zod does', () => {
    const id = 2 ** 60;
    const verdict = reasonOf({ id, status: 'ringing' });
    expect(
      verdict === 'accepted' ? parseStatusWebhook({ id, status: 'ringing' }).callId : verdict,
    ).toBe(verdict === 'accepted' ? String(id) : 'missing_id');
  });

  it('takes no id or status from a prototype or a hidden property', () => {
    expect(reasonOf(Object.create({ id: 1, status: 'ringing' }))).toBe('missing_id');
    const hidden = { status: 'ringing' };
    Object.defineProperty(hidden, 'id', { value: 9, enumerable: false });
    expect(reasonOf(hidden)).toBe('missing_id');
    const quiet = { id: 9 };
    Object.defineProperty(quiet, 'status', { value: 'ringing', enumerable: false });
    expect(reasonOf(quiet)).toBe('missing_status');
  });

  it('refuses a class instance, an array and a body with a symbol key as not an object', () => {
    class Event {
      id = 1;
      status = 'ringing';
    }
    expect(reasonOf(new Event())).toBe('not_object');
    expect(reasonOf([{ id: 1, status: 'ringing' }])).toBe('not_object');
    expect(reasonOf({ id: 1, status: 'ringing', [Symbol('x')]: 1 })).toBe('not_object');
  });
});
