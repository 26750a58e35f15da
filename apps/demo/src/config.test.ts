import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

const PROJECT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SIGNALWIRE = {
  CALL_PROVIDER: 'signalwire',
  SIGNALWIRE_SPACE_URL: 'example.signalwire.com',
  SIGNALWIRE_PROJECT_ID: PROJECT,
  SIGNALWIRE_API_TOKEN: 'PT0123456789abcdef0123456789abcdef',
  SIGNALWIRE_SIGNING_KEY: 'PSK_0123456789abcdef01234567',
  CALLER_ID: '+14155550123',
  PUBLIC_URL: 'https://demo.example',
};

/** A Vonage application's private key, as the dashboard's private.key file holds it. */
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const APPLICATION = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab';
const VONAGE = {
  CALL_PROVIDER: 'vonage',
  VONAGE_APPLICATION_ID: APPLICATION,
  VONAGE_PRIVATE_KEY: PRIVATE_KEY,
  VONAGE_SIGNATURE_SECRET: 'a-signature-secret-of-the-account',
  CALLER_ID: '+14155550123',
  PUBLIC_URL: 'https://demo.example',
};

const keyDir = mkdtempSync(join(tmpdir(), 'ringkit-config-'));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

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
      VONAGE_API_URL: 'https://api.nexmo.com',
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
      VONAGE_API_URL: 'https://api.nexmo.com',
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
    ['CALL_PROVIDER', 'plivo'],
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
    ['SIGNALWIRE_SPACE_URL', 'https://example.signalwire.com/api/laml'],
    ['SIGNALWIRE_PROJECT_ID', 'my-project'],
    ['SIGNALWIRE_API_TOKEN', 'short'],
    ['SIGNALWIRE_SIGNING_KEY', 'has spaces in it'],
    ['VONAGE_APPLICATION_ID', 'app-1'],
    ['VONAGE_PRIVATE_KEY', 'not a key'],
    ['VONAGE_SIGNATURE_SECRET', 'short'],
    ['VONAGE_API_URL', 'api.nexmo.com'],
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

  describe('with CALL_PROVIDER=signalwire', () => {
    it("takes a space, a project, its API token and signing key and a caller id, the space's host read as its https origin", () => {
      expect(loadConfig(SIGNALWIRE)).toMatchObject({
        CALL_PROVIDER: 'signalwire',
        SIGNALWIRE_SPACE_URL: 'https://example.signalwire.com',
        SIGNALWIRE_PROJECT_ID: PROJECT,
        SIGNALWIRE_API_TOKEN: SIGNALWIRE.SIGNALWIRE_API_TOKEN,
        SIGNALWIRE_SIGNING_KEY: SIGNALWIRE.SIGNALWIRE_SIGNING_KEY,
        CALLER_ID: '+14155550123',
        PUBLIC_URL: 'https://demo.example',
      });
      expect(loadConfig(SIGNALWIRE).CALLS_PER_SECOND).toBeUndefined();
      for (const [given, read] of [
        ['https://example.signalwire.com/', 'https://example.signalwire.com'],
        ['http://localhost:5030', 'http://localhost:5030'],
        ['Example.SignalWire.com', 'https://example.signalwire.com'],
      ]) {
        expect(
          loadConfig({ ...SIGNALWIRE, SIGNALWIRE_SPACE_URL: given }).SIGNALWIRE_SPACE_URL,
        ).toBe(read);
      }
    });

    it.each([
      [
        'SIGNALWIRE_SPACE_URL',
        "the project's space, where the calls are placed (example.signalwire.com)",
      ],
      ['SIGNALWIRE_PROJECT_ID', 'the project the calls are placed on (API › Project ID)'],
      [
        'SIGNALWIRE_API_TOKEN',
        'an API token of the project, which places the calls (API › Tokens)',
      ],
      [
        'SIGNALWIRE_SIGNING_KEY',
        "the project's signing key, which checks the signature of SignalWire's status callbacks and voice requests (API › Signing Key)",
      ],
      ['CALLER_ID', 'a number of the SignalWire project, the from of every call'],
      [
        'PUBLIC_URL',
        'the public base URL SignalWire sends status callbacks to ($PUBLIC_URL/webhooks/signalwire)',
      ],
    ] as const)(
      'refuses to start without %s, in one line saying what it is for',
      (missing, why) => {
        const env: Record<string, string> = { ...SIGNALWIRE };
        delete env[missing];
        expect(refusal(env)).toBe(
          `Invalid configuration: ${missing}: required with CALL_PROVIDER=signalwire: ${why}`,
        );
        expect(refusal({ ...SIGNALWIRE, [missing]: ' ' })).toBe(refusal(env));
      },
    );

    it.each([
      ['a path', 'https://example.signalwire.com/api/laml'],
      ['a query', 'example.signalwire.com?x=1'],
      ['credentials', 'https://user:pass@example.signalwire.com'],
      ['another scheme', 'ftp://example.signalwire.com'],
      ['no host', 'https://'],
      ['spaces', 'my space'],
    ])('refuses a SIGNALWIRE_SPACE_URL with %s, in one line', (_, value) => {
      expect(refusal({ ...SIGNALWIRE, SIGNALWIRE_SPACE_URL: value })).toBe(
        "Invalid configuration: SIGNALWIRE_SPACE_URL: must be the space's host (example.signalwire.com) or an http(s) URL without a path",
      );
    });

    it('refuses a project id that is not a UUID, and tokens that are too short or hold spaces', () => {
      expect(refusal({ ...SIGNALWIRE, SIGNALWIRE_PROJECT_ID: PROJECT.slice(1) })).toBe(
        'Invalid configuration: SIGNALWIRE_PROJECT_ID: must be a UUID (8-4-4-4-12 hexadecimal digits)',
      );
      expect(refusal({ ...SIGNALWIRE, SIGNALWIRE_API_TOKEN: 'PT12345' })).toBe(
        'Invalid configuration: SIGNALWIRE_API_TOKEN: must be 8 to 200 visible ASCII characters',
      );
      expect(refusal({ ...SIGNALWIRE, SIGNALWIRE_SIGNING_KEY: 'PSK_ with a space' })).toBe(
        'Invalid configuration: SIGNALWIRE_SIGNING_KEY: must be 8 to 200 visible ASCII characters',
      );
    });

    it('takes DIALER_MESSAGE, said with <Say> once a call is answered', () => {
      expect(loadConfig({ ...SIGNALWIRE, DIALER_MESSAGE: 'Your order is ready.' })).toMatchObject({
        DIALER_MESSAGE: 'Your order is ready.',
      });
    });
  });

  describe('with CALL_PROVIDER=vonage', () => {
    it('takes an application, its private key, the signature secret and a caller id, with VONAGE_API_URL', () => {
      expect(loadConfig(VONAGE)).toMatchObject({
        CALL_PROVIDER: 'vonage',
        VONAGE_APPLICATION_ID: APPLICATION,
        VONAGE_PRIVATE_KEY: PRIVATE_KEY.trim(),
        VONAGE_SIGNATURE_SECRET: VONAGE.VONAGE_SIGNATURE_SECRET,
        VONAGE_API_URL: 'https://api.nexmo.com',
        CALLER_ID: '+14155550123',
      });
      expect(loadConfig({ ...VONAGE, VONAGE_API_URL: 'http://localhost:5040/' })).toMatchObject({
        VONAGE_API_URL: 'http://localhost:5040',
      });
    });

    it('reads the private key from the path of its file, or from one line with \\n for its line breaks', () => {
      const path = join(keyDir, 'private.key');
      writeFileSync(path, PRIVATE_KEY);
      expect(loadConfig({ ...VONAGE, VONAGE_PRIVATE_KEY: path }).VONAGE_PRIVATE_KEY).toBe(
        PRIVATE_KEY,
      );
      const oneLine = PRIVATE_KEY.trim().replaceAll('\n', '\\n');
      expect(loadConfig({ ...VONAGE, VONAGE_PRIVATE_KEY: oneLine }).VONAGE_PRIVATE_KEY).toBe(
        PRIVATE_KEY.trim(),
      );
    });

    it.each([
      ['not a key', 'my-private-key'],
      ['a PEM that is cut short', PRIVATE_KEY.slice(0, 200)],
      [
        'an Ed25519 key, not RSA',
        generateKeyPairSync('ed25519')
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      ],
      ['the path of no file', '/nonexistent/ringkit/private.key'],
      ['a relative path', 'private.key'],
    ])('refuses a VONAGE_PRIVATE_KEY that is %s, in one line', (_, value) => {
      expect(refusal({ ...VONAGE, VONAGE_PRIVATE_KEY: value })).toBe(
        "Invalid configuration: VONAGE_PRIVATE_KEY: must be the Vonage application's RSA private key: its PEM text, or the absolute path of its private.key file",
      );
    });

    it('refuses an application id that is not a UUID and a signature secret too short', () => {
      expect(refusal({ ...VONAGE, VONAGE_APPLICATION_ID: 'my-app' })).toBe(
        'Invalid configuration: VONAGE_APPLICATION_ID: must be a UUID (8-4-4-4-12 hexadecimal digits)',
      );
      expect(refusal({ ...VONAGE, VONAGE_SIGNATURE_SECRET: 'secret' })).toBe(
        'Invalid configuration: VONAGE_SIGNATURE_SECRET: must be 8 to 200 visible ASCII characters',
      );
    });

    it.each([
      [
        'VONAGE_APPLICATION_ID',
        'the Voice application the calls are placed by (Applications › ID)',
      ],
      [
        'VONAGE_PRIVATE_KEY',
        "the application's private key, which signs the requests that place the calls (its PEM, or the path of its private.key)",
      ],
      [
        'VONAGE_SIGNATURE_SECRET',
        "the account's signature secret, which checks the signed JWT of Vonage's webhooks (Settings › Signature secret)",
      ],
      ['CALLER_ID', 'a Vonage number linked to the application, the from of every call'],
      [
        'PUBLIC_URL',
        "the public base URL Vonage sends the calls' events to ($PUBLIC_URL/webhooks/vonage)",
      ],
    ] as const)(
      'refuses to start without %s, in one line saying what it is for',
      (missing, why) => {
        const env: Record<string, string> = { ...VONAGE };
        delete env[missing];
        expect(refusal(env)).toBe(
          `Invalid configuration: ${missing}: required with CALL_PROVIDER=vonage: ${why}`,
        );
        expect(refusal({ ...VONAGE, [missing]: ' ' })).toBe(refusal(env));
      },
    );
  });

  it('needs no real provider’s variable with the mock provider, and defaults CALLER_ID', () => {
    expect(loadConfig({ CALL_PROVIDER: 'mock' })).toMatchObject({
      CALL_PROVIDER: 'mock',
      CALLER_ID: '+14155550100',
    });
    expect(loadConfig(TWILIO).CALLER_ID).toBe('+14155550100');
  });

  it('refuses DIALER_MESSAGE with the mock provider, whose Call APIs take only a number', () => {
    expect(refusal({ DIALER_MESSAGE: 'Your order is ready.' })).toBe(
      'Invalid configuration: DIALER_MESSAGE: the mock provider cannot honour it (its calls take ' +
        'no message); set CALL_PROVIDER=twilio, telnyx, signalwire or vonage, or leave DIALER_MESSAGE unset',
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
        'call the app: inbound calls are answered with CALL_PROVIDER=twilio, telnyx, signalwire or vonage',
    ]);
    expect(configWarnings(loadConfig({ ...TWILIO, INBOUND_REJECT: 'busy' }))).toEqual([]);
  });
});

describe('configWarnings', () => {
  it('has nothing to say about the defaults or about a real provider reached at a public URL', () => {
    expect(configWarnings(loadConfig({}))).toEqual([]);
    expect(configWarnings(loadConfig(TWILIO))).toEqual([]);
    expect(configWarnings(loadConfig(TELNYX))).toEqual([]);
    expect(configWarnings(loadConfig(SIGNALWIRE))).toEqual([]);
    expect(configWarnings(loadConfig(VONAGE))).toEqual([]);
  });

  it.each([
    [
      SIGNALWIRE,
      'SignalWire',
      'status callbacks',
      { SIGNALWIRE_SPACE_URL: 'http://localhost:5030' },
    ],
    [VONAGE, 'Vonage', 'events', { VONAGE_API_URL: 'http://localhost:5040' }],
  ])(
    'warns when the real provider would send its webhooks to a URL on this machine (%#)',
    (env, label, webhooks, simulator) => {
      expect(configWarnings(loadConfig({ ...env, PUBLIC_URL: 'http://localhost:4000' }))).toEqual([
        `PUBLIC_URL is http://localhost:4000, which ${label} cannot reach: calls will be placed but ` +
          `their ${webhooks} will not arrive; expose the server through an HTTPS tunnel and set ` +
          'PUBLIC_URL to its address',
      ]);
      const simulated = { ...env, ...simulator, PUBLIC_URL: 'http://127.0.0.1:4000' };
      expect(configWarnings(loadConfig(simulated))).toEqual([]);
    },
  );

  it('warns when SignalWire or Vonage credentials are set but another provider places the calls', () => {
    expect(
      configWarnings(
        loadConfig({
          ...TWILIO,
          SIGNALWIRE_PROJECT_ID: PROJECT,
          VONAGE_APPLICATION_ID: APPLICATION,
        }),
      ),
    ).toEqual([
      'SIGNALWIRE_PROJECT_ID is set but CALL_PROVIDER is twilio: calls go through Twilio; set CALL_PROVIDER=signalwire to place them through SignalWire',
      'VONAGE_APPLICATION_ID is set but CALL_PROVIDER is twilio: calls go through Twilio; set CALL_PROVIDER=vonage to place them through Vonage',
    ]);
    expect(
      configWarnings(loadConfig({ ...VONAGE, SIGNALWIRE_SIGNING_KEY: 'PSK_0123456789' })),
    ).toEqual([
      'SIGNALWIRE_SIGNING_KEY is set but CALL_PROVIDER is vonage: calls go through Vonage; set CALL_PROVIDER=signalwire to place them through SignalWire',
    ]);
    expect(
      configWarnings(loadConfig({ ...SIGNALWIRE, VONAGE_SIGNATURE_SECRET: 'a-secret-here' })),
    ).toEqual([
      'VONAGE_SIGNATURE_SECRET is set but CALL_PROVIDER is signalwire: calls go through SignalWire; set CALL_PROVIDER=vonage to place them through Vonage',
    ]);
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
