import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../errors/errors.js';
import { createMockCallApiClient } from './mock-call-api.js';

const fast = { retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 } };
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const url = await listen(() => {});
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  return url;
}

describe('over real sockets', () => {
  it('retries a refused connection, then fails with a ConnectionError naming ECONNREFUSED', async () => {
    const baseUrl = await closedPort();
    const error = await createMockCallApiClient({ baseUrl, ...fast })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).errno).toBe('ECONNREFUSED');
    expect((error as ConnectionError).request).toEqual({
      method: 'POST',
      url: `${baseUrl}/api/call`,
    });
  });

  it('creates exactly one call when the first answer is 503', async () => {
    const posts: string[] = [];
    let created = 0;
    const baseUrl = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts.push(body);
        if (posts.length === 1) {
          res.writeHead(503, { 'retry-after': '0' }).end();
          return;
        }
        created += 1;
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: created, status: 'initiated' }));
      });
    });
    const call = await createMockCallApiClient({ baseUrl, ...fast }).placeCall({
      to: '+14155552671',
    });
    expect(call.id).toBe('1');
    expect(created).toBe(1);
    expect(posts).toEqual(['{"phone_number":"+14155552671"}', '{"phone_number":"+14155552671"}']);
  });

  it('does not retry a POST whose connection was reset mid-request', async () => {
    let requests = 0;
    const baseUrl = await listen((req) => {
      requests += 1;
      req.socket.destroy();
    });
    const error = await createMockCallApiClient({ baseUrl, ...fast })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(requests).toBe(1);
  });
});
