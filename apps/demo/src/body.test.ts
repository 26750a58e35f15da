import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnswer, rawRequest, type RawAnswer } from './_raw-http.js';
import { api, startTestApp, type TestApp } from './_test-utils.js';
import { createApp } from './app.js';
import { BODY_LIMIT_BYTES, continueWhenRead } from './body.js';

let app: TestApp | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await app?.close();
  app = undefined;
});

/**
 * The demo's app on a server of its own, set up as `startServer` sets it up, that counts the
 * bytes it reads from its connections.
 */
async function countingServer(testApp: TestApp) {
  server = createServer(createApp(testApp.server.runtime));
  continueWhenRead(server);
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bytesRead: () => sockets.reduce((sum, socket) => sum + socket.bytesRead, 0),
  };
}

/** Sends `head` and nothing more, and reads the answer until the server closes. */
function headersOnly(port: number, head: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('utf8'))));
  });
}

const CHUNK = 1024;
/** One chunk of the chunked encoding as it goes over the wire. */
const WIRE_CHUNK = `${CHUNK.toString(16)}\r\n${'x'.repeat(CHUNK)}\r\n`;

/**
 * Sends `head` for a chunked body, then a chunk every 10 ms, until an answer arrives or the
 * server closes the connection.
 */
function chunkedUpload(port: number, head: string) {
  return new Promise<{ answer: RawAnswer; chunksSent: number }>((resolve) => {
    let chunksSent = 0;
    let answered = false;
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      const send = () => {
        if (answered || socket.destroyed || chunksSent >= 1000) return;
        socket.write(WIRE_CHUNK);
        chunksSent += 1;
        setTimeout(send, 10);
      };
      send();
    });
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      chunks.push(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () =>
      resolve({ answer: parseAnswer(Buffer.concat(chunks).toString('utf8')), chunksSent }),
    );
  });
}

const post = (path: string, headers: string[]) =>
  [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, '', ''].join('\r\n');

const TOO_LARGE = {
  error: {
    code: 'payload_too_large',
    message: `The request body exceeds ${BODY_LIMIT_BYTES} bytes`,
  },
};

describe('a body over the limit, from its Content-Length', () => {
  it.each([
    ['the API', '/api/scheduled-calls', 'application/json'],
    ['the webhook route, with a wrong token', '/webhooks/dialer/not-the-token', 'application/json'],
    ['a route that takes no body', '/api/dialer/nothing-here', 'text/plain'],
  ])('is a 413 on %s before any of it is read', async (_, path, type) => {
    app = await startTestApp();
    const counting = await countingServer(app);
    const head = post(path, [`Content-Type: ${type}`, 'Content-Length: 20000000']);
    const answer = await headersOnly(counting.port, head);
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    // The server answered on the headers alone and read nothing else.
    expect(counting.bytesRead()).toBe(Buffer.byteLength(head));
  });

  it('is a 413 on the Twilio callback route before any of it is read', async () => {
    app = await startTestApp({ twilio: {} });
    const counting = await countingServer(app);
    const head = post('/webhooks/twilio', [
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Length: 20000000',
    ]);
    const answer = await headersOnly(counting.port, head);
    expect(answer.status).toBe(413);
    expect(counting.bytesRead()).toBe(Buffer.byteLength(head));
  });

  it('reaches a client that waits for it before writing the body (http.request)', async () => {
    app = await startTestApp();
    const { port } = new URL(app.url);
    const outcome = await new Promise<{ status: number; bodyWritten: boolean }>((resolve) => {
      let bodyWritten = false;
      const req = request({
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: '/api/scheduled-calls',
        headers: { 'content-type': 'application/json', 'content-length': 20_000_000 },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, bodyWritten });
      });
      req.on('error', () => undefined);
      req.flushHeaders();
      // The body would follow a second later; the answer comes first.
      setTimeout(() => {
        bodyWritten = true;
        req.destroy();
      }, 1_000);
    });
    expect(outcome).toEqual({ status: 413, bodyWritten: false });
  });

  it('is a 413 without 100 Continue to a client that asks first (Expect: 100-continue)', async () => {
    app = await startTestApp();
    const counting = await countingServer(app);
    const head = post('/api/scheduled-calls', [
      'Content-Type: application/json',
      'Content-Length: 20000000',
      'Expect: 100-continue',
    ]);
    const answer = await headersOnly(counting.port, head);
    expect(answer.status).toBe(413);
    expect(counting.bytesRead()).toBe(Buffer.byteLength(head));
  });

  it('sends 100 Continue to a client that asks first with a body within the limit', async () => {
    app = await startTestApp();
    const counting = await countingServer(app);
    const body = JSON.stringify({
      phone_number: '+14155552671',
      scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const head = post('/api/scheduled-calls', [
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Expect: 100-continue',
      'Connection: close',
    ]);
    const text = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(counting.port, '127.0.0.1', () => socket.write(head));
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !socket.writableEnded) {
          socket.end(body);
        }
      });
      socket.on('close', () => resolve(received));
    });
    expect(parseAnswer(text.replace('HTTP/1.1 100 Continue\r\n\r\n', '')).status).toBe(201);
  });
});

describe('a chunked body over the limit', () => {
  const limitChunks = Math.floor(BODY_LIMIT_BYTES / CHUNK) + 1;

  it.each([
    ['the API', '/api/scheduled-calls', 'application/json'],
    ['the webhook route, with a wrong token', '/webhooks/dialer/not-the-token', 'application/json'],
    ['a route that takes no body', '/api/dialer', 'text/plain'],
  ])('is cut on %s as soon as it passes the limit', async (_, path, type) => {
    app = await startTestApp();
    const counting = await countingServer(app);
    const head = post(path, [`Content-Type: ${type}`, 'Transfer-Encoding: chunked']);
    const { answer, chunksSent } = await chunkedUpload(counting.port, head);
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    // The limit and one chunk more, then no further.
    expect(counting.bytesRead()).toBeLessThanOrEqual(
      Buffer.byteLength(head) + limitChunks * WIRE_CHUNK.length,
    );
    expect(chunksSent).toBeLessThan(limitChunks + 5);
  });

  it('is cut on the Twilio callback route as soon as it passes the limit', async () => {
    app = await startTestApp({ twilio: {} });
    const counting = await countingServer(app);
    const head = post('/webhooks/twilio', [
      'Content-Type: application/x-www-form-urlencoded',
      'Transfer-Encoding: chunked',
    ]);
    const { answer } = await chunkedUpload(counting.port, head);
    expect(answer.status).toBe(413);
    expect(counting.bytesRead()).toBeLessThanOrEqual(
      Buffer.byteLength(head) + limitChunks * WIRE_CHUNK.length,
    );
  });
});

describe('bodies within the limit', () => {
  it('reads a chunked JSON body', async () => {
    app = await startTestApp();
    const body = JSON.stringify({
      phone_number: '+14155552671',
      scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const answer = await rawRequest(
      app.url,
      [
        'POST /api/scheduled-calls HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ],
      chunked,
    );
    expect(answer.status).toBe(201);
  });

  it('takes a body of exactly the limit', async () => {
    app = await startTestApp();
    const pad = ' '.repeat(BODY_LIMIT_BYTES - 2);
    const res = await api(`${app.url}/api/dialer/start`, { method: 'POST', raw: `{${pad}}` });
    expect(res.status).toBe(202);
  });

  it('refuses a compressed body with 415, and JSON in another charset or bad UTF-8', async () => {
    app = await startTestApp();
    const send = (headers: Record<string, string>, raw: string | Uint8Array<ArrayBuffer>) =>
      fetch(`${app!.url}/api/dialer/start`, { method: 'POST', headers, body: raw });
    const gzip = await send(
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      '{}',
    );
    expect(gzip.status).toBe(415);
    expect(((await gzip.json()) as typeof TOO_LARGE).error.code).toBe(
      'unsupported_content_encoding',
    );
    const latin1 = await send({ 'content-type': 'application/json; charset=latin1' }, '{}');
    expect(latin1.status).toBe(415);
    const badUtf8 = await send(
      { 'content-type': 'application/json' },
      new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    );
    expect(badUtf8.status).toBe(400);
    expect((await api(`${app.url}/api/dialer`)).json.state).toBe('idle');
  });
});

describe('the time a body may take', () => {
  it('answers 408 request_timeout to a body not whole within REQUEST_TIMEOUT_MS, and closes', async () => {
    app = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '500' } });
    const { port } = new URL(app.url);
    const head = post('/api/scheduled-calls', [
      'Content-Type: application/json',
      'Content-Length: 100',
    ]);
    const answer = await headersOnly(Number(port), `${head}{"phone_number":`);
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'request_timeout',
        message: "The request's body did not arrive within 500 ms",
      },
    });
  });
});
