import { describe, expect, it } from 'vitest';
import { configWarnings, DEFAULT_DIALER_NUMBERS, loadConfig } from './config.js';

const SID = `AC${'a1'.repeat(16)}`;
const KEY = `SK${'b2'.repeat(16)}`;
const TWILIO = {
  CALL_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'an-auth-token-of-32-characters!!',
  PUBLIC_URL: 'https://demo.example',
};

/** The one-line message `loadConfig(env)` throws, or '' when it does not. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

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
      DIALER_CALL_TIMEOUT_MS: 14_400_000,
      DATA_DIR: './.data',
      DEMO_HISTORY: false,
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'ringkit-demo',
      ALLOWED_ORIGINS: [],
      ALLOWED_HOSTS: [],
      RATE_LIMIT: 120,
      SSE_MAX_PER_CLIENT: 10,
      SSE_MAX: 200,
      REQUEST_TIMEOUT_MS: 15_000,
      CALL_PROVIDER: 'mock',
      TWILIO_API_URL: 'https://api.twilio.com',
      TRUST_PROXY: false,
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
        DIALER_CALL_TIMEOUT_MS: '90000',
        DATA_DIR: '/var/lib/ringkit',
        DATABASE_URL: 'postgres://u:p@db/ringkit',
        DEMO_HISTORY: '1',
        WEBHOOK_TOKEN: 'abcdefghijklmnop_-',
        LOG_LEVEL: 'debug',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_SERVICE_NAME: 'calls-eu',
        API_TOKEN: 'a-long-enough-token!',
        ALLOWED_ORIGINS: 'https://shop.example, http://localhost:8080',
        ALLOWED_HOSTS: 'Demo.Internal., calls.example:8443, [fd00::1]',
        RATE_LIMIT: '30',
        SSE_MAX_PER_CLIENT: '4',
        SSE_MAX: '50',
        REQUEST_TIMEOUT_MS: '5000',
        CALL_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: 'an-auth-token-of-32-characters!!',
        TWILIO_API_KEY: KEY,
        TWILIO_API_SECRET: 'the-api-key-secret',
        TWILIO_API_URL: 'http://localhost:5010/',
        CALLS_PER_SECOND: '0.5',
        TRUST_PROXY: '1',
        RETENTION_DAYS: '30',
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
      DIALER_CALL_TIMEOUT_MS: 90_000,
      DATA_DIR: '/var/lib/ringkit',
      DATABASE_URL: 'postgres://u:p@db/ringkit',
      DEMO_HISTORY: true,
      WEBHOOK_TOKEN: 'abcdefghijklmnop_-',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'calls-eu',
      API_TOKEN: 'a-long-enough-token!',
      ALLOWED_ORIGINS: ['https://shop.example', 'http://localhost:8080'],
      ALLOWED_HOSTS: [
        { name: 'demo.internal', port: undefined },
        { name: 'calls.example', port: 8443 },
        { name: '[fd00::1]', port: undefined },
      ],
      RATE_LIMIT: 30,
      SSE_MAX_PER_CLIENT: 4,
      SSE_MAX: 50,
      REQUEST_TIMEOUT_MS: 5000,
      CALL_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'an-auth-token-of-32-characters!!',
      TWILIO_API_KEY: KEY,
      TWILIO_API_SECRET: 'the-api-key-secret',
      TWILIO_API_URL: 'http://localhost:5010',
      CALLS_PER_SECOND: 0.5,
      TRUST_PROXY: true,
      RETENTION_DAYS: 30,
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
    ['DIALER_CALL_TIMEOUT_MS', '99'],
    ['DIALER_CALL_TIMEOUT_MS', '86400001'],
    ['DIALER_CALL_TIMEOUT_MS', '1.5'],
    ['DIALER_CALL_TIMEOUT_MS', '4h'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['DEMO_HISTORY', 'yes'],
    ['WEBHOOK_TOKEN', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_SERVICE_NAME', 'x'.repeat(201)],
    ['API_TOKEN', 'short'],
    ['API_TOKEN', 'has spaces in the token'],
    ['ALLOWED_ORIGINS', 'shop.example'],
    ['ALLOWED_ORIGINS', 'https://shop.example/path'],
    ['ALLOWED_HOSTS', 'https://calls.example'],
    ['ALLOWED_HOSTS', 'calls.example:0'],
    ['ALLOWED_HOSTS', 'calls.example:99999'],
    ['ALLOWED_HOSTS', '*.example'],
    ['ALLOWED_HOSTS', 'a@calls.example'],
    ['RATE_LIMIT', '0'],
    ['SSE_MAX', 'lots'],
    ['CALL_PROVIDER', 'vonage'],
    ['TWILIO_ACCOUNT_SID', 'AC123'],
    ['TWILIO_ACCOUNT_SID', `SK${'a1'.repeat(16)}`],
    ['TWILIO_AUTH_TOKEN', 'short'],
    ['TWILIO_API_KEY', SID],
    ['TWILIO_API_SECRET', 'has spaces in it'],
    ['TWILIO_API_URL', 'api.twilio.com'],
    ['CALLS_PER_SECOND', '0'],
    ['CALLS_PER_SECOND', '-1'],
    ['CALLS_PER_SECOND', 'fast'],
    ['TRUST_PROXY', 'yes'],
    ['RETENTION_DAYS', '0'],
    ['RETENTION_DAYS', '-7'],
    ['RETENTION_DAYS', '36501'],
    ['RETENTION_DAYS', 'a week'],
    ['RETENTION_DAYS', '30d'],
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

  it('takes RETENTION_DAYS in days, fractions too, and keeps everything when it is unset or empty', () => {
    expect(loadConfig({ RETENTION_DAYS: '90' }).RETENTION_DAYS).toBe(90);
    expect(loadConfig({ RETENTION_DAYS: ' 0.5 ' }).RETENTION_DAYS).toBe(0.5);
    expect(loadConfig({ RETENTION_DAYS: '36500' }).RETENTION_DAYS).toBe(36_500);
    expect(loadConfig({}).RETENTION_DAYS).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '' }).RETENTION_DAYS).toBeUndefined();
  });

  it('says why RETENTION_DAYS is refused', () => {
    expect(refusal({ RETENTION_DAYS: '0' })).toBe(
      'Invalid configuration: RETENTION_DAYS: must be a number of days above 0 (fractions allowed); leave it unset to keep everything',
    );
    expect(refusal({ RETENTION_DAYS: 'a week' })).toBe(
      'Invalid configuration: RETENTION_DAYS: must be a number of days',
    );
    expect(refusal({ RETENTION_DAYS: '40000' })).toBe(
      'Invalid configuration: RETENTION_DAYS: must be at most 36500 days',
    );
  });

  it('names the item of ALLOWED_HOSTS that is not a host name', () => {
    expect(() => loadConfig({ ALLOWED_HOSTS: 'calls.example, calls.example/x' })).toThrow(
      'Invalid configuration: ALLOWED_HOSTS: not a host name (name or [IPv6 address], then :port if any): calls.example/x',
    );
  });

  it('names the bad numbers of DIALER_NUMBERS', () => {
    expect(() => loadConfig({ DIALER_NUMBERS: '13018040009,42,abc' })).toThrow(
      'Invalid configuration: DIALER_NUMBERS: not a valid phone number: 42, abc',
    );
  });

  describe('with CALL_PROVIDER=twilio', () => {
    it('takes an account SID and auth token, with TWILIO_API_URL and no pacing by default', () => {
      expect(loadConfig(TWILIO)).toMatchObject({
        CALL_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_API_URL: 'https://api.twilio.com',
        TRUST_PROXY: false,
      });
      expect(loadConfig(TWILIO).CALLS_PER_SECOND).toBeUndefined();
      expect(loadConfig(TWILIO).TWILIO_API_KEY).toBeUndefined();
    });

    it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_URL'] as const)(
      'refuses to start without %s, in one line naming it',
      (missing) => {
        const env: Record<string, string> = { ...TWILIO };
        delete env[missing];
        const message = refusal(env);
        expect(message).toMatch(
          new RegExp(`^Invalid configuration: ${missing}: required with CALL_PROVIDER=twilio: `),
        );
        expect(message).not.toContain('\n');
      },
    );

    it('needs the auth token even with an API key, since Twilio signs callbacks with it', () => {
      const env: Record<string, string> = {
        ...TWILIO,
        TWILIO_API_KEY: KEY,
        TWILIO_API_SECRET: 'the-api-key-secret',
      };
      delete env['TWILIO_AUTH_TOKEN'];
      expect(refusal(env)).toBe(
        'Invalid configuration: TWILIO_AUTH_TOKEN: required with CALL_PROVIDER=twilio: Twilio signs its status callbacks with the account auth token, also when calls are placed with an API key',
      );
    });

    it('refuses an API key without its secret, and a secret without its key', () => {
      expect(refusal({ ...TWILIO, TWILIO_API_KEY: KEY })).toBe(
        'Invalid configuration: TWILIO_API_SECRET: required with TWILIO_API_KEY: an API key is used with its secret',
      );
      expect(refusal({ ...TWILIO, TWILIO_API_SECRET: 'the-api-key-secret' })).toBe(
        'Invalid configuration: TWILIO_API_KEY: required with TWILIO_API_SECRET: an API key is used with its secret',
      );
    });

    it('takes DIALER_MESSAGE, the text every dialer call says', () => {
      expect(loadConfig({ ...TWILIO, DIALER_MESSAGE: ' Your order is ready. ' })).toMatchObject({
        DIALER_MESSAGE: 'Your order is ready.',
      });
      expect(loadConfig(TWILIO).DIALER_MESSAGE).toBeUndefined();
    });

    it.each([
      ['a control character', 'Ring \u0007 ring', 'must be text that can be spoken'],
      ['more than 4000 characters', 'x'.repeat(4001), ''],
    ])('refuses a DIALER_MESSAGE with %s, in one line', (_, value, reason) => {
      const message = refusal({ ...TWILIO, DIALER_MESSAGE: value });
      expect(message).toMatch(/^Invalid configuration: DIALER_MESSAGE: /);
      expect(message).toContain(reason);
      expect(message).not.toContain('\n');
    });

    it('treats empty Twilio variables as unset', () => {
      expect(refusal({ ...TWILIO, TWILIO_ACCOUNT_SID: '' })).toMatch(
        /^Invalid configuration: TWILIO_ACCOUNT_SID: required/,
      );
    });
  });

  it('needs no Twilio variable with the mock provider', () => {
    expect(loadConfig({ CALL_PROVIDER: 'mock' }).CALL_PROVIDER).toBe('mock');
  });

  it('refuses DIALER_MESSAGE with the mock provider, whose Call APIs take only a number', () => {
    expect(refusal({ DIALER_MESSAGE: 'Your order is ready.' })).toBe(
      'Invalid configuration: DIALER_MESSAGE: the mock provider cannot honour it (its Call APIs ' +
        'take only a number); set CALL_PROVIDER=twilio or leave DIALER_MESSAGE unset',
    );
    expect(loadConfig({ DIALER_MESSAGE: '  ' }).DIALER_MESSAGE).toBeUndefined();
  });
});

describe('configWarnings', () => {
  it('has nothing to say about the defaults or about Twilio reached at a public URL', () => {
    expect(configWarnings(loadConfig({}))).toEqual([]);
    expect(configWarnings(loadConfig(TWILIO))).toEqual([]);
  });

  it('warns when the real Twilio would call back a URL on this machine', () => {
    for (const url of ['http://localhost:4000', 'http://127.0.0.1:4000', 'http://[::1]:4000']) {
      const [warning, ...rest] = configWarnings(loadConfig({ ...TWILIO, PUBLIC_URL: url }));
      expect(rest).toEqual([]);
      expect(warning).toMatch(
        new RegExp(`^PUBLIC_URL is ${url.replace(/[[\]]/g, '\\$&')}, which Twilio cannot reach`),
      );
    }
  });

  it('does not warn about a local PUBLIC_URL with a local Twilio API (the simulator)', () => {
    const config = loadConfig({
      ...TWILIO,
      PUBLIC_URL: 'http://localhost:4000',
      TWILIO_API_URL: 'http://localhost:5010',
    });
    expect(configWarnings(config)).toEqual([]);
  });

  it('warns when Twilio credentials are set but the mock provider places the calls', () => {
    const config = loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'a-token-here' });
    expect(configWarnings(config)).toEqual([
      'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN are set but CALL_PROVIDER is mock: calls go to the simulators; set CALL_PROVIDER=twilio to place them through Twilio',
    ]);
  });
});
