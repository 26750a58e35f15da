import { connect } from 'node:net';

/** An HTTP answer as it came over the wire. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

/** Parses the first answer in `text` (status line, headers, then the rest as the body). */
export function parseAnswer(text: string): RawAnswer {
  const cut = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, cut === -1 ? undefined : cut).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: cut === -1 ? '' : text.slice(cut + 4),
  };
}

/**
 * Sends a request exactly as written, over a raw socket, so that a test controls every header
 * (`Host` included), and reads the answer until the server closes the connection. `lines` are
 * the request line and the headers; `Connection: close` is added.
 */
export function rawRequest(baseUrl: string, lines: string[], body = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const head = [...lines, 'Connection: close'].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname, () => {
      socket.write(`${head}\r\n\r\n${body}`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('utf8'))));
  });
}
