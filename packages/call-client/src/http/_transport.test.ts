import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONNECT_TIMEOUT_CODE,
  createNodeTransport,
  MAX_BODY_BYTES,
  nodeTransport,
  type TransportInit,
} from './_transport.js';
import { createMockCallApiClient } from '../providers/mock-call-api.js';
import { HttpError } from '../errors/errors.js';
import { CONNECT_ERRNOS } from '../errors/placement.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
}

/** A TCP server that writes `raw` to each connection once it has read a request's head. */
async function rawServer(raw: string | ((socket: Socket) => void)) {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => (typeof raw === 'string' ? socket.write(raw) : raw(socket)));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    sockets.forEach((socket) => socket.destroy());
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });
}

const post = (body: string, signal?: AbortSignal): TransportInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-extra': 'yes' },
  body,
  signal,
});

async function failure(
  promise: Promise<unknown>,
): Promise<TypeError & { cause: { code?: string } }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe('fetch failed');
  return error as TypeError & { cause: { code?: string } };
}

describe('nodeTransport', () => {
  it('sends the method, path, query, headers and body, and answers a Response', async () => {
    const seen: Array<{
      method?: string;
      url?: string;
      headers: IncomingMessage['headers'];
      body: string;
    }> = [];
    const { url } = await listen(async (req, res) => {
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: await readAll(req),
      });
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-answer': 'a' });
      res.end('{"id":"c1","status":"queued","name":"é"}');
    });
    const response = await nodeTransport(
      `${url}/api/call?x=1&y=%20`,
      post('{"phone_number":"+1"}'),
    );
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-answer')).toBe('a');
    expect(await response.json()).toEqual({ id: 'c1', status: 'queued', name: 'é' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/call?x=1&y=%20',
      body: '{"phone_number":"+1"}',
    });
    expect(seen[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength('{"phone_number":"+1"}')),
      'x-extra': 'yes',
    });
  });

  it('keeps the connection alive: requests one after another share one socket', async () => {
    let connections = 0;
    const { url, server } = await listen((_req, res) => res.end('{}'));
    server.on('connection', () => (connections += 1));
    for (let i = 0; i < 5; i += 1) await (await nodeTransport(`${url}/x`, post('{}'))).text();
    expect(connections).toBe(1);
  });

  it('answers a GET without a body, and a 204 with a null body', async () => {
    const { url } = await listen((req, res) => {
      res.writeHead(req.url === '/none' ? 204 : 200).end(req.url === '/none' ? undefined : 'ok');
    });
    const read = await nodeTransport(`${url}/read`, {
      method: 'GET',
      headers: {},
      body: undefined,
      signal: undefined,
    });
    expect(await read.text()).toBe('ok');
    const none = await nodeTransport(`${url}/none`, post('{}'));
    expect(none.status).toBe(204);
    expect(none.body).toBeNull();
  });

  it('does not follow a redirect: a 3xx is the answer', async () => {
    let requests = 0;
    const { url } = await listen((_req, res) => {
      requests += 1;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    const response = await nodeTransport(`${url}/api/call`, post('{}'));
    expect(response.status).toBe(302);
    expect(requests).toBe(1);
  });

  it('decodes gzip, deflate and br bodies, and refuses an encoding it cannot read', async () => {
    const { url } = await listen((req, res) => {
      if (req.url === '/gzip')
        res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"a":1}'));
      else res.writeHead(200, { 'content-encoding': 'zstd-unknown' }).end('x');
    });
    expect(await (await nodeTransport(`${url}/gzip`, post('{}'))).json()).toEqual({ a: 1 });
    const error = await failure(nodeTransport(`${url}/odd`, post('{}')));
    expect(error.cause.code).toBe('ERR_ENCODING');
  });

  it('fails with ECONNREFUSED as the cause when nothing listens', async () => {
    const { url, server } = await listen(() => {});
    server.close();
    await once(server, 'close');
    const error = await failure(nodeTransport(`${url}/api/call`, post('{}')));
    expect(error.cause.code).toBe('ECONNREFUSED');
  });

  it('fails with ECONNRESET as the cause when the connection drops after the request left', async () => {
    let received = 0;
    const url = await rawServer((socket) => {
      received += 1;
      socket.resetAndDestroy();
    });
    const error = await failure(nodeTransport(`${url}/api/call`, post('{}')));
    expect(error.cause.code).toBe('ECONNRESET');
    expect(received).toBe(1);
  });

  it('fails when the body is cut short', async () => {
    const url = await rawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"id":');
    });
    await failure(nodeTransport(`${url}/api/call`, post('{}')));
  });

  it('fails on a status no Response can carry', async () => {
    const url = await rawServer('HTTP/1.1 600 Odd\r\ncontent-length: 2\r\n\r\n{}');
    const error = await failure(nodeTransport(`${url}/api/call`, post('{}')));
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it(`fails on an answer over ${MAX_BODY_BYTES} bytes rather than hold it`, async () => {
    const { url } = await listen((_req, res) => {
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      res.writeHead(200);
      const write = (left: number): void => {
        if (left === 0) return void res.end();
        if (res.write(chunk)) write(left - 1);
        else res.once('drain', () => write(left - 1));
      };
      write(MAX_BODY_BYTES / chunk.length + 2);
      res.on('error', () => {});
    });
    const error = await failure(nodeTransport(`${url}/big`, post('{}')));
    expect(error.cause.code).toBe('ERR_RESPONSE_TOO_LARGE');
  });

  it('rejects with the reason of a signal aborted before or while the request is out', async () => {
    const aborted = new AbortController();
    const reason = new Error('stop');
    aborted.abort(reason);
    await expect(nodeTransport('http://127.0.0.1:9/x', post('{}', aborted.signal))).rejects.toBe(
      reason,
    );

    let closed: Promise<unknown> | undefined;
    const { url } = await listen((req) => {
      closed = once(req.socket, 'close');
      controller.abort(reason);
    });
    const controller = new AbortController();
    await expect(nodeTransport(`${url}/slow`, post('{}', controller.signal))).rejects.toBe(reason);
    await closed;
  });

  it('speaks TLS to an https URL', async () => {
    const { url } = await listen((_req, res) => res.end('{}'));
    const error = await failure(nodeTransport(url.replace('http:', 'https:') + '/x', post('{}')));
    // The plain HTTP server cannot answer a TLS handshake: the failure is TLS's.
    expect(error.cause.code).toMatch(/^ERR_SSL_|^EPROTO$/);
  });

  it('refuses a URL that is not http(s) before any request', async () => {
    await expect(nodeTransport('ftp://127.0.0.1/x', post('{}'))).rejects.toThrow(TypeError);
  });

  it(`fails with ${CONNECT_TIMEOUT_CODE} when no connection is made in time`, async () => {
    const port = await unacceptedPort();
    const transport = createNodeTransport({ connectTimeoutMs: 200 });
    const error = await failure(transport(`http://127.0.0.1:${port}/x`, post('{}')));
    expect(error.cause.code).toBe(CONNECT_TIMEOUT_CODE);
    // …which the clients count as a request that never left, and so retry.
    expect(CONNECT_ERRNOS.has(CONNECT_TIMEOUT_CODE)).toBe(true);
  });
});

/**
 * A port whose connections are never made: a listener in a child process whose event loop is
 * blocked, so it accepts none, and whose one-place queue is filled by connections of our own.
 */
async function unacceptedPort(): Promise<number> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n', () => {
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
         });
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  closers.push(() => {
    child.kill('SIGKILL');
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  // Fill the accept queue; connections past it wait for a SYN answer that never comes.
  const fillers: Socket[] = [];
  for (let i = 0; i < 4; i += 1) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
  }
  closers.push(() => fillers.forEach((socket) => socket.destroy()));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return port;
}

describe('the clients on the default transport', () => {
  it('turn a redirect into an HttpError and place nothing elsewhere', async () => {
    const paths: string[] = [];
    const { url } = await listen((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(307, { location: '/moved/api/call' }).end();
    });
    const error = await createMockCallApiClient({ baseUrl: url, retry: 0 })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(307);
    expect(paths).toEqual(['/api/call']);
  });
});
