/** The parts of a request the Express adapters read a body from (Node's and Express's have them). */
export interface BodyRequest extends AsyncIterable<unknown> {
  headers?: Record<string, string | readonly string[] | undefined>;
  /** Closes the request and its connection: no more of the body is read. */
  destroy?(): unknown;
}

/** The parts of a response the adapters' `413` uses besides `status` and `json`. */
export interface BodyResponse {
  status(code: number): { json(body: unknown): unknown };
  setHeader?(name: string, value: string): unknown;
  once?(event: 'finish', listener: () => void): unknown;
}

/** The body's declared `Content-Length`, when it has one written in decimal digits. */
function declaredLength(req: BodyRequest): number | undefined {
  const header = req.headers?.['content-length'];
  const value = typeof header === 'string' ? header : header?.[0];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Reads a request body to a string (UTF-8), for the Express adapters when no body parser ran
 * before them. `undefined` when it is larger than `limit` bytes: at once, before any byte is
 * read, when its `Content-Length` says so; else as soon as the bytes read pass `limit`. Reading
 * then stops, and the request is left as it is (not drained) for {@link refuseTooLarge}.
 */
export async function readBody(req: BodyRequest, limit: number): Promise<string | undefined> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return undefined;
  // Pulled by hand: leaving a `for await` would destroy the request before the 413 is sent.
  const iterator = req[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) break;
    const buffer =
      typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array);
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON body of the `413` the Express adapters answer to a body over `limitBytes`. */
export const payloadTooLarge = (limitBytes: number) => ({
  error: { code: 'payload_too_large', message: `The body exceeds ${limitBytes} bytes` },
});

/**
 * Answers `413` with {@link payloadTooLarge} and `Connection: close`, and closes the request
 * once the answer is out, so that the client stops sending and no more of the body is read.
 */
export function refuseTooLarge(req: BodyRequest, res: BodyResponse, limitBytes: number): void {
  res.setHeader?.('Connection', 'close');
  res.once?.('finish', () => req.destroy?.());
  res.status(413).json(payloadTooLarge(limitBytes));
}
