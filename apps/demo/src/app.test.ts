import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from './_test-utils.js';

let app: TestApp;
let publicDir: string;
beforeAll(async () => {
  publicDir = mkdtempSync(join(tmpdir(), 'ringkit-public-'));
  for (const page of ['index', 'dialer', 'calls', 'ops', 'do-not-call', 'agents', '404']) {
    writeFileSync(join(publicDir, `${page}.html`), `<!doctype html><title>${page}</title>`);
  }
  writeFileSync(join(publicDir, 'embed.js'), 'console.log("embed")');
  mkdirSync(join(publicDir, 'assets'));
  writeFileSync(join(publicDir, 'assets', 'main-abc123.js'), 'export {}');
  app = await startTestApp({ publicDir });
});
afterAll(async () => {
  await app.close();
  rmSync(publicDir, { recursive: true, force: true });
});

describe('the demo app', () => {
  it('answers /healthz with 200 when ready', async () => {
    const res = await api(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await api(`${app.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: { code: 'not_found', message: 'No route for GET /api/nope' },
    });
  });

  it.each([
    ['/', 'index'],
    ['/dialer', 'dialer'],
    ['/calls', 'calls'],
    ['/calls/13018040009', 'calls'],
    ['/calls/13018040009?utm_source=x', 'calls'],
    ['/ops', 'ops'],
    ['/do-not-call', 'do-not-call'],
    ['/agents', 'agents'],
  ])('serves the page %s', async (path, page) => {
    const res = await api(`${app.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain(`<title>${page}</title>`);
  });

  it('sends /campaigns to the campaigns, on the dialer page', async () => {
    const res = await fetch(`${app.url}/campaigns?tag=x`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/dialer#campaigns');
    const followed = await api(`${app.url}/campaigns`);
    expect(followed.text).toContain('<title>dialer</title>');
  });

  const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  it.each(['/nope', '/campaign', '/calls/1/2', '/dialer/x.html', '/index.html'])(
    'answers a browser asking for %s with the HTML 404 page',
    async (path) => {
      const res = await api(`${app.url}${path}`, { headers: BROWSER });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('<title>404</title>');
      const head = await fetch(`${app.url}${path}`, { method: 'HEAD', headers: BROWSER });
      expect(head.status).toBe(404);
    },
  );

  it.each([
    ['a browser asking for the API', '/api/nope', BROWSER, 'GET'],
    ['a browser posting to a webhook path', '/webhooks/nope', BROWSER, 'GET'],
    ['a client asking for anything', '/nope', { accept: '*/*' }, 'GET'],
    ['a client asking for JSON', '/nope', { accept: 'application/json' }, 'GET'],
    ['another method', '/nope', BROWSER, 'POST'],
  ])('answers %s with the JSON 404', async (_who, path, headers, method) => {
    const res = await api(`${app.url}${path}`, { headers, method });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: { code: 'not_found', message: `No route for ${method} ${path}` },
    });
  });

  it('sends a content security policy that allows only its own scripts and connections', async () => {
    const res = await api(`${app.url}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves /embed.js and the API to the app itself, with no CORS headers for other sites', async () => {
    const embed = await api(`${app.url}/embed.js`, { headers: { origin: 'https://else.example' } });
    expect(embed.status).toBe(200);
    expect(embed.headers.get('access-control-allow-origin')).toBeNull();
    // Any page may load the script itself; what it calls is what CORS guards.
    expect(embed.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const asset = await api(`${app.url}/assets/main-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const own = await api(`${app.url}/api/dialer`, { headers: { origin: app.url } });
    expect(own.headers.get('access-control-allow-origin')).toBe(app.url);
  });

  it('logs requests with phone numbers masked in URLs and bodies', async () => {
    await api(`${app.url}/api/calls/13018040009`);
    await api(`${app.url}/api/calls/%2B19842068287?limit=3`);
    await api(`${app.url}/api/scheduled-calls?phone_number=(301)%20804-0009`);
    await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '(415) 555-2671', scheduled_time: 'bad' },
    });
    const text = JSON.stringify(app.logs);
    expect(text).toContain('/api/calls/***09');
    expect(text).toContain('/api/calls/***87?limit=3');
    expect(text).toContain('"phone_number":"***71"');
    for (const digits of ['13018040009', '19842068287', '804-0009', '555-2671', '4155552671']) {
      expect(text).not.toContain(digits);
    }
  });
});

describe('without a built front end', () => {
  it('answers pages with a JSON 503 saying to build', async () => {
    const bare = await startTestApp({ publicDir: join(tmpdir(), 'does-not-exist') });
    try {
      const res = await api(`${bare.url}/dialer`);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('not_built');
      expect((await api(`${bare.url}/embed.js`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
