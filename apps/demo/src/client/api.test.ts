import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiRequestError,
  fieldErrors,
  request,
  setApiToken,
  TOKEN_NEEDED_MESSAGE,
  TOKEN_REFUSED_MESSAGE,
  type ApiIssue,
} from './api.js';
import { formatDateTime } from './format.js';

/** The campaign form's reading: `name`, `concurrency`, and the list for the rest of a refusal. */
const fieldOf = (issue: ApiIssue) => {
  const [first] = issue.path;
  if (first === 'name' || issue.code === 'campaign_exists') return 'name' as const;
  if (first === 'concurrency') return 'concurrency' as const;
  if (issue.code === 'invalid_numbers') return 'list' as const;
  return undefined;
};

const refusal = (code: string, message: string, issues?: ApiIssue[]) =>
  new ApiRequestError(400, code, message, issues ? { issues } : undefined);

describe('fieldErrors', () => {
  it("puts each issue under its field as a sentence, after the field's lead, never its path", () => {
    const error = refusal('invalid_request', 'name: …; concurrency: …', [
      { in: 'query', path: ['name'], code: 'invalid_format', message: 'must be letters' },
      { in: 'query', path: ['concurrency'], code: 'too_small', message: 'must be at least 1' },
      { in: 'query', path: ['concurrency'], code: 'too_small', message: 'a second issue' },
    ]);
    expect(
      fieldErrors(error, fieldOf, { name: 'The name ', concurrency: 'Calls at once ' }),
    ).toEqual({
      name: 'The name must be letters.',
      concurrency: 'Calls at once must be at least 1.',
    });
  });

  it('reads an answer without issues as one, by its code', () => {
    expect(fieldErrors(refusal('campaign_exists', 'A campaign named "x" exists'), fieldOf)).toEqual(
      {
        name: 'A campaign named "x" exists.',
      },
    );
    expect(
      fieldErrors(refusal('invalid_numbers', '1 of 2 numbers…: row 2 ("42")'), fieldOf),
    ).toEqual({
      list: '1 of 2 numbers…: row 2 ("42").',
    });
  });

  it('puts what is about no field, and any other failure, under form', () => {
    const unknown = refusal('invalid_request', 'query: unknown', [
      { in: 'query', path: [], code: 'unrecognized_keys', message: 'unknown field "x"' },
    ]);
    expect(fieldErrors(unknown, fieldOf)).toEqual({ form: 'Unknown field "x".' });
    expect(fieldErrors(new Error('offline'), fieldOf)).toEqual({ form: 'Offline.' });
  });

  it("says the server's times in the viewer's time zone", () => {
    const iso = '2027-06-02T12:00:00.000Z';
    const error = refusal('invalid_request', '…', [
      { in: 'body', path: ['name'], message: `${iso} is more than a year ahead` },
    ]);
    expect(fieldErrors(error, fieldOf).name).toBe(
      `${formatDateTime(iso, true)} is more than a year ahead.`,
    );
  });
});

describe('request and the access token', () => {
  /** A tab's storage, its document's events and a `fetch` whose answers the test gives. */
  function tab(stored: string | null) {
    const storage = new Map<string, string>();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    });
    const page = new EventTarget();
    vi.stubGlobal('document', page);
    const asked: boolean[] = [];
    page.addEventListener('rk-token-needed', (event) =>
      asked.push((event as CustomEvent<{ refused: boolean }>).detail.refused),
    );
    const sent: (string | null)[] = [];
    const answers: ((response: Response) => void)[] = [];
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>).authorization ?? null);
      return new Promise<Response>((resolve) => answers.push(resolve));
    });
    if (stored !== null) setApiToken(stored);
    return {
      storage,
      asked,
      sent,
      answer: (status: number) => answers.shift()!(new Response('{}', { status })),
    };
  }

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('forgets a refused token and asks for another', async () => {
    const page = tab('wrong');
    const refused = request('', '/api/scheduled-calls');
    page.answer(401);
    await expect(refused).rejects.toMatchObject({ status: 401, message: TOKEN_REFUSED_MESSAGE });
    expect(page.sent).toEqual(['Bearer wrong']);
    expect(page.storage.size).toBe(0);
    expect(page.asked).toEqual([true]);
  });

  it('asks for a token when none was sent', async () => {
    const page = tab(null);
    const refused = request('', '/api/scheduled-calls');
    page.answer(401);
    await expect(refused).rejects.toMatchObject({ status: 401, message: TOKEN_NEEDED_MESSAGE });
    expect(page.asked).toEqual([false]);
  });

  it('asks for no token when one was given after a request sent without any', async () => {
    const page = tab(null);
    const stale = request('', '/api/scheduled-calls');
    setApiToken('right');
    page.answer(401);
    await expect(stale).rejects.toMatchObject({ status: 401, message: TOKEN_NEEDED_MESSAGE });
    expect(page.storage.get('ringkit:api-token')).toBe('right');
    expect(page.asked).toEqual([]);
  });

  it('keeps a token given while a request sent with the one before was on its way', async () => {
    const page = tab('wrong');
    const stale = request('', '/api/scheduled-calls');
    setApiToken('right');
    page.answer(401);
    await expect(stale).rejects.toMatchObject({ status: 401 });
    expect(page.storage.get('ringkit:api-token')).toBe('right');
    expect(page.asked).toEqual([]);
    // The next request goes with it.
    const next = request('', '/api/scheduled-calls');
    page.answer(200);
    await expect(next).resolves.toEqual({});
    expect(page.sent).toEqual(['Bearer wrong', 'Bearer right']);
  });
});
