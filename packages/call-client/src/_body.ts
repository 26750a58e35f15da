/**
 * Reads a request body to a string (UTF-8), for the Express adapters when no body parser ran
 * before them: `undefined` once it grows past `limit` bytes (read no further).
 */
export async function readBody(
  req: AsyncIterable<unknown>,
  limit: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
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
