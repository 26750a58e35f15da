import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start() {
  const server = await startServer(loadConfig({ PORT: '0' }));
  close = server.close;
  return server.url;
}

describe('demo server', () => {
  it('answers /healthz with 200 when ready', async () => {
    const response = await fetch(`${await start()}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`${await start()}/api/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /api/nope' },
    });
  });
});

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:4000', () => {
    expect(loadConfig({})).toEqual({ PORT: 4000, HOST: '127.0.0.1' });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['HOST', ''],
  ])('refuses %s=%j with a one-line reason', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${key}: `),
    );
  });
});
