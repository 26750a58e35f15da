import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressWebhookHandler } from '../webhooks/express.js';
import { createExpressTwilioWebhookHandler } from '../twilio/express.js';

const LIMIT = 4096;
const TOKEN = 'tok_0123456789abcdef';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** An Express app with `handler` on `path`, on a server that counts the bytes it reads. */
async function serve(path: string, handler: RequestHandler) {
  const app = express();
  app.post(path, handler);
  server = createServer(app);
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bytesRead: () => sockets.reduce((sum, socket) => sum + socket.bytesRead, 0),
  };
}

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function parse(text: string): Answer {
  const cut = text.indexOf('\r\n\r\n');
  const head = text.slice(0, cut);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
    connection: /\r\nconnection: ([^\r]*)/i.exec(head)?.[1],
    body: text.slice(cut + 4),
  };
}

const CHUNK = 512;
const WIRE_CHUNK = `${CHUNK.toString(16)}\r\n${'x'.repeat(CHUNK)}\r\n`;

/**
 * Sends `head`, then (with `chunked`) a chunk every 10 ms until an answer arrives, and reads
 * the answer until the server closes the connection.
 */
function send(port: number, head: string, chunked: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    let answered = false;
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      const next = (sent: number) => {
        if (!chunked || answered || socket.destroyed || sent >= 1000) return;
        socket.write(WIRE_CHUNK);
        setTimeout(() => next(sent + 1), 10);
      };
      next(0);
    });
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      chunks.push(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(parse(Buffer.concat(chunks).toString('utf8'))));
  });
}

const adapters = [
  {
    name: 'createExpressWebhookHandler',
    path: `/webhooks/dialer/${TOKEN}`,
    type: 'application/json',
    handler: () =>
      createExpressWebhookHandler({ token: TOKEN, onEvent: () => undefined, limitBytes: LIMIT }),
  },
  {
    name: 'createExpressTwilioWebhookHandler',
    path: '/webhooks/twilio',
    type: 'application/x-www-form-urlencoded',
    handler: () =>
      createExpressTwilioWebhookHandler({
        authToken: 'f00dfeedf00dfeedf00dfeedf00dfeed',
        publicUrl: 'https://app.example',
        onEvent: () => undefined,
        limitBytes: LIMIT,
      }),
  },
];

describe.each(adapters)('$name with limitBytes', ({ path, type, handler }) => {
  const head = (length: string) =>
    [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${type}`, length, '', ''].join(
      '\r\n',
    );

  it('answers 413 to a Content-Length over the limit before reading any of the body', async () => {
    const { port, bytesRead } = await serve(path, handler());
    const sent = head('Content-Length: 20000000');
    const answer = await send(port, sent, false);
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'payload_too_large', message: `The body exceeds ${LIMIT} bytes` },
    });
    // Only the headers were sent, and only they were read.
    expect(bytesRead()).toBe(Buffer.byteLength(sent));
  });

  it('answers 413 to a chunked body as soon as it passes the limit, and reads no further', async () => {
    const { port, bytesRead } = await serve(path, handler());
    const sent = head('Transfer-Encoding: chunked');
    const answer = await send(port, sent, true);
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    const chunksToPass = Math.floor(LIMIT / CHUNK) + 1;
    expect(bytesRead()).toBeLessThanOrEqual(
      Buffer.byteLength(sent) + chunksToPass * WIRE_CHUNK.length,
    );
  });

  it('gets its 413 to an http.request client that has written only the headers', async () => {
    const { port } = await serve(path, handler());
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-type': type, 'content-length': 20_000_000 },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });
});
