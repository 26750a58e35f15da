import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './_raw-http.js';
import { api, startTestApp, type TestApp } from './_test-utils.js';
import { isLoopback } from './security.js';

/** `GET /api/dialer` with exactly these headers besides `Host`. */
const get = (app: TestApp, host: string, headers: string[] = []) =>
  rawRequest(app.url, ['GET /api/dialer HTTP/1.1', `Host: ${host}`, ...headers]);

describe('the Host check (DNS rebinding)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { PUBLIC_URL: 'https://calls.example', ALLOWED_HOSTS: 'ops.example:8443,intra' },
    });
  });
  afterAll(() => app.close());

  it.each([
    ['a name that starts like a loopback address', '127.evil.example'],
    ['a name that embeds one', '127.0.0.1.nip.evil.example'],
    ['a name that starts with localhost', 'localhost.evil.example'],
    ['127.1, which resolvers read as 127.0.0.1', '127.1'],
    ['a hexadecimal octet', '0x7f.0.0.1'],
    ['text after [::1]', '[::1].evil'],
    ["PUBLIC_URL's host with another port", 'calls.example:4000'],
    ["PUBLIC_URL's host as a subdomain of another", 'calls.example.evil.example'],
    ['an ALLOWED_HOSTS name without the port it names', 'ops.example'],
    ['an ALLOWED_HOSTS name with another port', 'ops.example:8444'],
    ['an empty Host', ''],
    ['user info before localhost', 'a@localhost'],
    ['a port that is not a number', 'localhost:http'],
  ])('refuses %s (%j) with a JSON 421', async (_, host) => {
    const answer = await get(app, host);
    expect(answer.status).toBe(421);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'misdirected_request', message: expect.stringMatching(/ALLOWED_HOSTS/) },
    });
  });

  it.each([
    ['localhost in capitals', 'LOCALHOST'],
    ['localhost with a trailing dot', 'localhost.'],
    ['another loopback address with a port', '127.0.0.2:1234'],
    ['the IPv6 loopback address', '[::1]:4000'],
    ["PUBLIC_URL's host", 'calls.example'],
    ["PUBLIC_URL's host with its scheme's port", 'Calls.Example:443'],
    ['an ALLOWED_HOSTS name with its port', 'ops.example:8443'],
    ['an ALLOWED_HOSTS name without a port, with any port', 'intra:8080'],
    ['HOST itself', '127.0.0.1'],
  ])('answers %s (%j)', async (_, host) => {
    expect((await get(app, host)).status).toBe(200);
  });

  it('refuses a request with two Host headers', async () => {
    expect((await get(app, 'localhost', ['Host: evil.example'])).status).toBe(421);
  });

  it('ignores X-Forwarded-Host without TRUST_PROXY', async () => {
    expect((await get(app, 'evil.example', ['X-Forwarded-Host: localhost'])).status).toBe(421);
    expect((await get(app, 'localhost', ['X-Forwarded-Host: evil.example'])).status).toBe(200);
  });

  it('answers /healthz to any Host', async () => {
    expect((await rawRequest(app.url, ['GET /healthz HTTP/1.1', 'Host: x.example'])).status).toBe(
      200,
    );
  });
});

describe('the Host check behind a trusted proxy (TRUST_PROXY=1)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: '1', ALLOWED_HOSTS: 'calls.example' } });
  });
  afterAll(() => app.close());

  it("checks the proxy's X-Forwarded-Host, the name the client sent, instead of Host", async () => {
    expect((await get(app, 'evil.example', ['X-Forwarded-Host: calls.example'])).status).toBe(200);
    expect((await get(app, 'localhost', ['X-Forwarded-Host: evil.example'])).status).toBe(421);
    expect(
      (await get(app, 'localhost', ['X-Forwarded-Host: 127.evil.example, localhost'])).status,
    ).toBe(421);
  });

  it('checks Host when the proxy sends no X-Forwarded-Host', async () => {
    expect((await get(app, 'calls.example')).status).toBe(200);
    expect((await get(app, '127.evil.example')).status).toBe(421);
  });
});

describe('a rebinding page that starts the dialer', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is refused for Host 127.evil.example with a matching Origin, and no call is placed', async () => {
    app = await startTestApp();
    const { port } = new URL(app.url);
    const start = (host: string) =>
      rawRequest(
        app!.url,
        [
          'POST /api/dialer/start HTTP/1.1',
          `Host: ${host}:${port}`,
          `Origin: http://${host}:${port}`,
          'Content-Type: application/json',
          'Content-Length: 2',
        ],
        '{}',
      );
    const refused = await start('127.evil.example');
    expect(refused.status).toBe(421);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await api(`${app.url}/api/dialer`)).json.state).toBe('idle');
    expect(app.webhook.calls()).toEqual([]);
    // The same request from the app's own page starts it: the Host alone made the difference.
    expect((await start('127.0.0.1')).status).toBe(202);
  });
});

describe('isLoopback (the warning about a HOST beyond this machine)', () => {
  it('counts loopback literals only, not names that start like them', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(isLoopback(host)).toBe(true);
    }
    for (const host of ['127.evil.example', '127.1', '0.0.0.0', '::', '192.168.1.5']) {
      expect(isLoopback(host)).toBe(false);
    }
  });
});
