import { describe, expect, it } from 'vitest';
import { DEFAULT_DIALER_NUMBERS, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      PORT: 4000,
      HOST: '127.0.0.1',
      CALL_API_URL: 'http://localhost:5000',
      DIALER_API_URL: 'http://localhost:4830',
      CALLER_ID: '+14155550100',
      DIALER_NUMBERS: [...DEFAULT_DIALER_NUMBERS],
      DIALER_CONCURRENCY: 3,
      DATA_DIR: './.data',
      DEMO_HISTORY: false,
      LOG_LEVEL: 'info',
      ALLOWED_ORIGINS: [],
      RATE_LIMIT: 120,
      SSE_MAX_PER_CLIENT: 10,
      SSE_MAX: 200,
      REQUEST_TIMEOUT_MS: 15_000,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://demo.example/',
        CALL_API_URL: 'http://sim:5000',
        DIALER_API_URL: 'http://sim:4830',
        CALLER_ID: '(650) 555-0111',
        DIALER_NUMBERS: ' 13018040009, +1 984 206 8287 ,',
        DIALER_CONCURRENCY: '5',
        DATA_DIR: '/var/lib/ringkit',
        DATABASE_URL: 'postgres://u:p@db/ringkit',
        DEMO_HISTORY: '1',
        WEBHOOK_TOKEN: 'abcdefghijklmnop_-',
        LOG_LEVEL: 'debug',
        API_TOKEN: 'a-long-enough-token!',
        ALLOWED_ORIGINS: 'https://shop.example, http://localhost:8080',
        RATE_LIMIT: '30',
        SSE_MAX_PER_CLIENT: '4',
        SSE_MAX: '50',
        REQUEST_TIMEOUT_MS: '5000',
      }),
    ).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://demo.example',
      CALL_API_URL: 'http://sim:5000',
      DIALER_API_URL: 'http://sim:4830',
      CALLER_ID: '+16505550111',
      DIALER_NUMBERS: ['13018040009', '+1 984 206 8287'],
      DIALER_CONCURRENCY: 5,
      DATA_DIR: '/var/lib/ringkit',
      DATABASE_URL: 'postgres://u:p@db/ringkit',
      DEMO_HISTORY: true,
      WEBHOOK_TOKEN: 'abcdefghijklmnop_-',
      LOG_LEVEL: 'debug',
      API_TOKEN: 'a-long-enough-token!',
      ALLOWED_ORIGINS: ['https://shop.example', 'http://localhost:8080'],
      RATE_LIMIT: 30,
      SSE_MAX_PER_CLIENT: 4,
      SSE_MAX: 50,
      REQUEST_TIMEOUT_MS: 5000,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 4000 });
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '1.5'],
    ['PUBLIC_URL', 'localhost:4000'],
    ['CALL_API_URL', 'ftp://x'],
    ['DIALER_API_URL', 'nope'],
    ['CALLER_ID', '123'],
    ['DIALER_NUMBERS', '13018040009,42'],
    ['DIALER_NUMBERS', ',,'],
    ['DIALER_CONCURRENCY', '0'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['DEMO_HISTORY', 'yes'],
    ['WEBHOOK_TOKEN', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['API_TOKEN', 'short'],
    ['API_TOKEN', 'has spaces in the token'],
    ['ALLOWED_ORIGINS', 'shop.example'],
    ['ALLOWED_ORIGINS', 'https://shop.example/path'],
    ['RATE_LIMIT', '0'],
    ['SSE_MAX', 'lots'],
  ])('refuses %s=%j with a one-line reason', (key, value) => {
    let message = '';
    try {
      loadConfig({ [key]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${key}: `));
    expect(message).not.toContain('\n');
  });

  it('names the bad numbers of DIALER_NUMBERS', () => {
    expect(() => loadConfig({ DIALER_NUMBERS: '13018040009,42,abc' })).toThrow(
      'Invalid configuration: DIALER_NUMBERS: not a valid phone number: 42, abc',
    );
  });
});
