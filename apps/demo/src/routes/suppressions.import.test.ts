/**
 * `POST /api/suppressions/import` at its edges: a CSV that cannot be read is a `400 invalid_csv`
 * naming its line, with the numbers before it listed and counted, never a 5xx; line ends of
 * every kind in one file; a list that takes longer than `REQUEST_TIMEOUT_MS` to import; a body
 * that stops coming; a client that goes away.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnswer } from '../_raw-http.js';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const importCsv = (raw: string) =>
  api(`${app!.url}/api/suppressions/import`, {
    method: 'POST',
    raw,
    headers: { 'content-type': 'text/csv' },
  });

/** Every number on the list, read page by page from the runtime. */
async function listed(): Promise<string[]> {
  const phones: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await app!.server.runtime.suppressions.list({ cursor, limit: 1000 });
    phones.push(...page.items.map((entry) => entry.phone));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return phones;
}

/** The `i`-th number of a long list: San Francisco numbers, all valid. */
const nth = (i: number) => `+1415${String(5_000_000 + i)}`;

/** A raw connection to the app that sends the start of an import and can be left hanging. */
function openImport(contentLength: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  const { port } = new URL(app!.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        'POST /api/suppressions/import HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `Content-Type: text/csv\r\nContent-Length: ${contentLength}\r\n\r\n`,
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const answer = new Promise<string>((done) =>
        socket.on('close', () => done(Buffer.concat(chunks).toString('utf8'))),
      );
      resolve({ socket, answer });
    });
    socket.on('error', reject);
  });
}

describe('POST /api/suppressions/import', () => {
  it.each([
    ['a spreadsheet formula with quotes', '=HYPERLINK("http://x","y")'],
    ['a quote never closed', '"a'],
    ['a quote inside a field', 'x"y'],
  ])(
    'answers 400 invalid_csv naming the line of %s; the numbers before it listed and counted',
    async (_what, bad) => {
      app = await startTestApp();
      const csv = ['phone', '+13018040009', 'not a number', '+19842068287', bad, '+15512459377'];
      const res = await importCsv(csv.join('\r\n'));
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({
        code: 'invalid_csv',
        message: expect.stringMatching(
          /^The CSV cannot be read: line 5: .+; 2 numbers listed before it, 1 line refused$/,
        ),
        details: {
          line: 5,
          imported: 2,
          refused: 1,
          errors: [{ line: 3, message: expect.stringContaining('phone') }],
        },
      });
      expect((await listed()).sort()).toEqual(['+13018040009', '+19842068287']);
      expect(app.logs).toContainEqual(
        expect.objectContaining({
          msg: 'do-not-call import stopped',
          imported: 2,
          refused: 1,
          line: 5,
        }),
      );
    },
  );

  it('lists all five numbers of a file whose lines end with CRLF, CR and LF mixed', async () => {
    app = await startTestApp();
    const csv =
      '\uFEFF+13018040009\r\n+19842068287\r+15512459377\n+14155552671\r\n\r+442079460958\n';
    const res = await importCsv(csv);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ imported: 5, refused: 0, errors: [] });
    expect(await listed()).toHaveLength(5);
  });

  it('imports a list that takes longer than REQUEST_TIMEOUT_MS whole, with its counts', async () => {
    app = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '1000' } });
    const count = 150_000;
    const csv = Array.from({ length: count }, (_, i) => nth(i)).join('\n');
    const res = await importCsv(`phone\n${csv}\nnope\n`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      imported: count,
      refused: 1,
      errors: [{ line: count + 2, message: expect.stringContaining('phone') }],
    });
    const phones = await listed();
    expect(phones).toHaveLength(count);
    expect(new Set(phones).size).toBe(count);
    expect(app.logs).toContainEqual(
      expect.objectContaining({ msg: 'do-not-call import done', imported: count, refused: 1 }),
    );
  });

  it('answers 408 with its counts when the body stops coming; the lines read stay listed', async () => {
    app = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '500' } });
    const { socket, answer } = await openImport(1_000_000);
    socket.write(`${nth(0)}\n${nth(1)}\nnope\n${nth(2)}\n`);
    const res = parseAnswer(await answer);
    expect(res.status).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body).error).toEqual({
      code: 'request_timeout',
      message: expect.stringContaining('3 numbers listed before it, 1 line refused'),
      details: { imported: 3, refused: 1, errors: [{ line: 3, message: expect.any(String) }] },
    });
    expect((await listed()).sort()).toEqual([nth(0), nth(1), nth(2)]);
  });

  it('keeps the numbers read from a client that goes away, and logs how many', async () => {
    app = await startTestApp();
    const lines = Array.from({ length: 12_000 }, (_, i) => `${nth(i)}\n`).join('');
    const { socket } = await openImport(lines.length * 10);
    socket.write(lines);
    // The first batch (5,000 numbers) is written once read: the upload is under way.
    await eventually(async () => (await listed()).length > 0);
    socket.destroy();
    const logged = await eventually(() =>
      app!.logs.find((line) => line.msg === 'do-not-call import stopped'),
    );
    expect(logged).toMatchObject({ level: 40, refused: 0 });
    const imported = logged!.imported as number;
    expect(imported).toBeGreaterThanOrEqual(5_000);
    expect(await listed()).toHaveLength(imported);
  });
});
