import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIALER_NUMBERS, DEFAULT_INBOUND_MESSAGE, loadConfig } from './config.js';
import { configWarnings } from './config-warnings.js';

const SID = `AC${'a1'.repeat(16)}`;
const KEY = `SK${'b2'.repeat(16)}`;
const TWILIO = {
  CALL_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'an-auth-token-of-32-characters!!',
  PUBLIC_URL: 'https://demo.example',
};

/** A Telnyx public key as the portal shows it: 32 raw bytes of Ed25519, in padded base64. */
const PUBLIC_KEY = Buffer.from(
  String(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x),
  'base64url',
).toString('base64');
const TELNYX = {
  CALL_PROVIDER: 'telnyx',
  TELNYX_API_KEY: 'KEY0123456789ABCDEF_abcdefghij',
  TELNYX_CONNECTION_ID: '1494404757140276705',
  TELNYX_PUBLIC_KEY: PUBLIC_KEY,
  CALLER_ID: '+14155550123',
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
      DIALER_CALL_TIMEOUT_MS: 3_600_000,
      FINISHED_ENTRIES_KEPT: 50_000,
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
      TELNYX_API_URL: 'https://api.telnyx.com',
      TRUST_PROXY: false,
      INBOUND_MESSAGE: DEFAULT_INBOUND_MESSAGE,
      INBOUND_RING_S: 20,
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
        FINISHED_ENTRIES_KEPT: '0',
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
        INBOUND_MESSAGE: 'Nobody is here; leave a message.',
        INBOUND_FORWARD_TO: '+1 415 555 0123',
        INBOUND_RING_S: '30',
        DEMO_INBOUND_EVERY_S: '10',
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
      FINISHED_ENTRIES_KEPT: 0,
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
      TELNYX_API_URL: 'https://api.telnyx.com',
      CALLS_PER_SECOND: 0.5,
      TRUST_PROXY: true,
      RETENTION_DAYS: 30,
      INBOUND_MESSAGE: 'Nobody is here; leave a message.',
      INBOUND_FORWARD_TO: '+14155550123',
      INBOUND_RING_S: 30,
      DEMO_INBOUND_EVERY_S: 10,
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
    ['FINISHED_ENTRIES_KEPT', '-1'],
    ['FINISHED_ENTRIES_KEPT', '10000001'],
    ['FINISHED_ENTRIES_KEPT', '2.5'],
    ['FINISHED_ENTRIES_KEPT', 'all'],
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
    ['TELNYX_API_KEY', 'short'],
    ['TELNYX_API_KEY', 'has spaces in the key'],
    ['TELNYX_CONNECTION_ID', 'has spaces'],
    ['TELNYX_PUBLIC_KEY', 'not-a-key'],
    ['TELNYX_API_URL', 'api.telnyx.com'],
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

  describe('with CALL_PROVIDER=telnyx', () => {
    it('takes an API key, a connection, a public key and a caller id, with TELNYX_API_URL and no pacing by default', () => {
      expect(loadConfig(TELNYX)).toMatchObject({
        CALL_PROVIDER: 'telnyx',
        TELNYX_API_KEY: TELNYX.TELNYX_API_KEY,
        TELNYX_CONNECTION_ID: TELNYX.TELNYX_CONNECTION_ID,
        TELNYX_PUBLIC_KEY: PUBLIC_KEY,
        TELNYX_API_URL: 'https://api.telnyx.com',
        CALLER_ID: '+14155550123',
        PUBLIC_URL: 'https://demo.example',
      });
      expect(loadConfig(TELNYX).CALLS_PER_SECOND).toBeUndefined();
      expect(loadConfig({ ...TELNYX, TELNYX_API_URL: 'http://localhost:5020/' })).toMatchObject({
        TELNYX_API_URL: 'http://localhost:5020',
      });
    });

    it.each([
      ['TELNYX_API_KEY', 'the API key the calls are placed with (Mission Control › API Keys)'],
      [
        'TELNYX_CONNECTION_ID',
        'the Call Control Application (connection id) the calls are dialled from',
      ],
      [
        'TELNYX_PUBLIC_KEY',
        "the public key that checks the Ed25519 signature of Telnyx's webhooks (Mission Control › Keys & Credentials)",
      ],
      ['CALLER_ID', 'a number of the Telnyx account, the from of every call'],
      ['PUBLIC_URL', 'the public base URL Telnyx sends webhooks to ($PUBLIC_URL/webhooks/telnyx)'],
    ] as const)(
      'refuses to start without %s, in one line saying what it is for',
      (missing, why) => {
        const env: Record<string, string> = { ...TELNYX };
        delete env[missing];
        expect(refusal(env)).toBe(
          `Invalid configuration: ${missing}: required with CALL_PROVIDER=telnyx: ${why}`,
        );
        // Empty counts as unset.
        expect(refusal({ ...TELNYX, [missing]: ' ' })).toBe(refusal(env));
      },
    );

    it.each([
      ['not base64', 'this is not a key at all, it has spaces!!!!'],
      ['31 bytes', Buffer.alloc(31, 7).toString('base64')],
      ['33 bytes', Buffer.alloc(33, 7).toString('base64')],
      ['unpadded', PUBLIC_KEY.replace(/=$/, '')],
      ['URL-safe base64', Buffer.alloc(32, 0xfb).toString('base64url') + '='],
      // 32 zero bytes, with bits set past the end that a canonical encoding leaves clear.
      ['a non-canonical last character', `${'A'.repeat(42)}B=`],
      ['a PEM key', '-----BEGIN PUBLIC KEY-----'],
    ])('refuses a TELNYX_PUBLIC_KEY that is %s, in one line', (_, value) => {
      expect(refusal({ ...TELNYX, TELNYX_PUBLIC_KEY: value })).toBe(
        'Invalid configuration: TELNYX_PUBLIC_KEY: must be the Ed25519 public key Telnyx shows: ' +
          '32 bytes in base64 (44 characters ending in =)',
      );
    });

    it('takes DIALER_MESSAGE, since Telnyx speaks it once a call is answered', () => {
      expect(loadConfig({ ...TELNYX, DIALER_MESSAGE: ' Your order is ready. ' })).toMatchObject({
        DIALER_MESSAGE: 'Your order is ready.',
      });
    });
  });

  it('needs no Twilio or Telnyx variable with the mock provider, and defaults CALLER_ID', () => {
    expect(loadConfig({ CALL_PROVIDER: 'mock' })).toMatchObject({
      CALL_PROVIDER: 'mock',
      CALLER_ID: '+14155550100',
    });
    expect(loadConfig(TWILIO).CALLER_ID).toBe('+14155550100');
  });

  it('refuses DIALER_MESSAGE with the mock provider, whose Call APIs take only a number', () => {
    expect(refusal({ DIALER_MESSAGE: 'Your order is ready.' })).toBe(
      'Invalid configuration: DIALER_MESSAGE: the mock provider cannot honour it (its calls take ' +
        'no message); set CALL_PROVIDER=twilio or telnyx, or leave DIALER_MESSAGE unset',
    );
    expect(loadConfig({ DIALER_MESSAGE: '  ' }).DIALER_MESSAGE).toBeUndefined();
  });
});

describe('the INBOUND_* variables', () => {
  it('greet and take a voicemail by default', () => {
    expect(loadConfig(TWILIO)).toMatchObject({
      INBOUND_MESSAGE: 'Thank you for calling. Please leave a message after the tone.',
      INBOUND_RING_S: 20,
    });
    expect(loadConfig(TWILIO).INBOUND_FORWARD_TO).toBeUndefined();
    expect(loadConfig(TWILIO).INBOUND_REJECT).toBeUndefined();
  });

  it('read a message, a forward in E.164 and its ring time, or a reject', () => {
    expect(
      loadConfig({
        ...TWILIO,
        INBOUND_MESSAGE: '  Sorry we missed you.  ',
        INBOUND_FORWARD_TO: '(415) 555-0123',
        INBOUND_RING_S: '45',
      }),
    ).toMatchObject({
      INBOUND_MESSAGE: 'Sorry we missed you.',
      INBOUND_FORWARD_TO: '+14155550123',
      INBOUND_RING_S: 45,
    });
    expect(loadConfig({ ...TELNYX, INBOUND_REJECT: 'busy' }).INBOUND_REJECT).toBe('busy');
    expect(loadConfig({ ...TELNYX, INBOUND_REJECT: 'rejected' }).INBOUND_REJECT).toBe('rejected');
    expect(loadConfig({ INBOUND_MESSAGE: '' }).INBOUND_MESSAGE).toBe(DEFAULT_INBOUND_MESSAGE);
  });

  it('say in one line what is wrong with each', () => {
    expect(refusal({ ...TWILIO, INBOUND_FORWARD_TO: '12' })).toBe(
      'Invalid configuration: INBOUND_FORWARD_TO: must be a valid phone number',
    );
    for (const seconds of ['4', '601', '20.5', 'soon']) {
      expect(refusal({ ...TWILIO, INBOUND_RING_S: seconds })).toMatch(
        /^Invalid configuration: INBOUND_RING_S: must be (between 5 and 600 seconds|a whole number of seconds|a number of seconds)$/,
      );
    }
    expect(refusal({ ...TWILIO, INBOUND_REJECT: 'yes' })).toBe(
      'Invalid configuration: INBOUND_REJECT: must be busy or rejected (or unset, to answer calls)',
    );
    expect(refusal({ ...TWILIO, INBOUND_MESSAGE: 'x'.repeat(1001) })).toBe(
      'Invalid configuration: INBOUND_MESSAGE: must be at most 1000 characters',
    );
  });

  it('refuse INBOUND_REJECT with INBOUND_FORWARD_TO, and a forward to the app’s own number', () => {
    expect(refusal({ ...TWILIO, INBOUND_REJECT: 'busy', INBOUND_FORWARD_TO: '+14155550123' })).toBe(
      'Invalid configuration: INBOUND_REJECT: cannot be set with INBOUND_FORWARD_TO: a call is ' +
        'either rejected or forwarded; unset one of them',
    );
    expect(refusal({ ...TELNYX, INBOUND_FORWARD_TO: TELNYX.CALLER_ID })).toBe(
      'Invalid configuration: INBOUND_FORWARD_TO: must not be CALLER_ID, the number it forwards ' +
        'calls of: the call would ring the app again',
    );
    expect(refusal({ ...TWILIO, INBOUND_FORWARD_TO: '+14155550100' })).toMatch(
      /^Invalid configuration: INBOUND_FORWARD_TO: must not be CALLER_ID/,
    );
  });

  it('read DEMO_INBOUND_EVERY_S, the seconds between calls pnpm demo rings, 0 for none', () => {
    expect(loadConfig({ DEMO_INBOUND_EVERY_S: '0' }).DEMO_INBOUND_EVERY_S).toBe(0);
    expect(loadConfig({ DEMO_INBOUND_EVERY_S: '7.5' }).DEMO_INBOUND_EVERY_S).toBe(7.5);
    expect(refusal({ DEMO_INBOUND_EVERY_S: '-1' })).toBe(
      'Invalid configuration: DEMO_INBOUND_EVERY_S: must be between 0 (no calls) and 3600 seconds',
    );
  });

  it('get a warning with the mock provider, whose Call APIs never call the app', () => {
    expect(configWarnings(loadConfig({ INBOUND_REJECT: 'busy', INBOUND_MESSAGE: 'Hi' }))).toEqual([
      'INBOUND_MESSAGE, INBOUND_REJECT are set but CALL_PROVIDER is mock, whose Call APIs never ' +
        'call the app: inbound calls are answered with CALL_PROVIDER=twilio or telnyx',
    ]);
    expect(configWarnings(loadConfig({ ...TWILIO, INBOUND_REJECT: 'busy' }))).toEqual([]);
  });
});

describe('configWarnings', () => {
  it('has nothing to say about the defaults or about Twilio or Telnyx reached at a public URL', () => {
    expect(configWarnings(loadConfig({}))).toEqual([]);
    expect(configWarnings(loadConfig(TWILIO))).toEqual([]);
    expect(configWarnings(loadConfig(TELNYX))).toEqual([]);
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

  it('warns when the real Telnyx would send its webhooks to a URL on this machine', () => {
    const config = loadConfig({ ...TELNYX, PUBLIC_URL: 'http://localhost:4000' });
    expect(configWarnings(config)).toEqual([
      'PUBLIC_URL is http://localhost:4000, which Telnyx cannot reach: calls will be placed but ' +
        'their webhooks will not arrive; expose the server through an HTTPS tunnel and set ' +
        'PUBLIC_URL to its address',
    ]);
    const simulated = { ...TELNYX, PUBLIC_URL: 'http://127.0.0.1:4000' };
    expect(
      configWarnings(loadConfig({ ...simulated, TELNYX_API_URL: 'http://localhost:5020' })),
    ).toEqual([]);
  });

  it('warns when Telnyx credentials are set but another provider places the calls', () => {
    const telnyx = { TELNYX_API_KEY: TELNYX.TELNYX_API_KEY, TELNYX_PUBLIC_KEY: PUBLIC_KEY };
    expect(configWarnings(loadConfig(telnyx))).toEqual([
      'TELNYX_API_KEY, TELNYX_PUBLIC_KEY are set but CALL_PROVIDER is mock: calls go to the simulators; set CALL_PROVIDER=telnyx to place them through Telnyx',
    ]);
    expect(configWarnings(loadConfig({ ...TWILIO, TELNYX_CONNECTION_ID: '1234567890' }))).toEqual([
      'TELNYX_CONNECTION_ID is set but CALL_PROVIDER is twilio: calls go through Twilio; set CALL_PROVIDER=telnyx to place them through Telnyx',
    ]);
    expect(configWarnings(loadConfig({ ...TELNYX, TWILIO_ACCOUNT_SID: SID }))).toEqual([
      'TWILIO_ACCOUNT_SID is set but CALL_PROVIDER is telnyx: calls go through Telnyx; set CALL_PROVIDER=twilio to place them through Twilio',
    ]);
  });
});
