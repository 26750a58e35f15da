import { callOptionsSchema, isValidPhoneNumber, toE164 } from '@ringkit/call-client';
import { z } from 'zod';
import { parseHost, type HostName } from './hosts.js';

/**
 * The numbers of the original exercise, with its repeats: the dialer calls a repeated number once
 * per occurrence.
 */
export const DEFAULT_DIALER_NUMBERS = [
  '13018040009',
  '19842068287',
  '15512459377',
  '19362072765',
  '18582210308',
  '13018040009',
  '19842068287',
  '15512459377',
  '19362072765',
] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const phone = z
  .string()
  .refine((value) => isValidPhoneNumber(value), 'must be a valid phone number')
  .transform((value) => toE164(value));

const flag = z.enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' }).transform((v) => {
  return v === '1' || v === 'true';
});

/** Which telephony API places the calls. */
export const CALL_PROVIDERS = ['mock', 'twilio'] as const;

/** The Twilio variables `CALL_PROVIDER=twilio` needs, and why. */
const TWILIO_REQUIRED = {
  TWILIO_ACCOUNT_SID: 'the account the calls are placed on',
  // Twilio signs its callbacks with the account's auth token, never with an API key's secret,
  // so the token is needed to check them even when calls are placed with an API key.
  TWILIO_AUTH_TOKEN:
    'Twilio signs its status callbacks with the account auth token, also when calls are placed with an API key',
  PUBLIC_URL: 'the public base URL Twilio sends status callbacks to ($PUBLIC_URL/webhooks/twilio)',
} as const;

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65_535, 'must be between 0 and 65535')
    .default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: httpUrl.optional(),
  CALL_API_URL: httpUrl.default('http://localhost:5000'),
  DIALER_API_URL: httpUrl.default('http://localhost:4830'),
  CALLER_ID: phone.default('+14155550100'),
  DIALER_NUMBERS: z
    .string()
    .transform((value, ctx) => {
      const numbers = value
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '');
      if (numbers.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must list at least one number' });
        return z.NEVER;
      }
      const bad = numbers.filter((n) => !isValidPhoneNumber(n));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `not a valid phone number: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return numbers;
    })
    .default([...DEFAULT_DIALER_NUMBERS]),
  // What each dialer call says when answered: call-client's own rule for `say`.
  DIALER_MESSAGE: callOptionsSchema.shape.say,
  DIALER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 100')
    .max(100, 'must be between 1 and 100')
    .default(3),
  // How long a campaign's call may take, from its POST to its end, before it is checked and
  // ended `failed` (reason `timeout`): the dialer's `callTimeoutMs`, with its default (4 h).
  DIALER_CALL_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be between 100 and 86400000 (24 h)')
    .max(86_400_000, 'must be between 100 and 86400000 (24 h)')
    // The dialer's own default: four hours, the longest a call is followed.
    .default(14_400_000),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .optional(),
  DEMO_HISTORY: flag.default(false),
  WEBHOOK_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,200}$/, 'must be 16 to 200 characters of A-Z a-z 0-9 _ -')
    .optional(),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  // OpenTelemetry's own variables: traces go to an OTLP/HTTP collector when an endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(200).default('ringkit-demo'),
  API_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,200}$/, 'must be 16 to 200 visible ASCII characters')
    .optional(),
  ALLOWED_ORIGINS: z
    .string()
    .transform((value, ctx) => {
      const origins: string[] = [];
      for (const item of value
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)) {
        let url: URL | undefined;
        try {
          url = new URL(item);
        } catch {
          url = undefined;
        }
        if (!url || !/^https?:$/.test(url.protocol) || url.origin !== item.replace(/\/+$/, '')) {
          ctx.addIssue({
            code: 'custom',
            message: `not an origin (scheme://host[:port]): ${item}`,
          });
          return z.NEVER;
        }
        origins.push(url.origin);
      }
      return origins;
    })
    .default([]),
  // Names besides HOST, PUBLIC_URL's host and the loopback literals that the server answers to.
  ALLOWED_HOSTS: z
    .string()
    .transform((value, ctx) => {
      const hosts: HostName[] = [];
      for (const item of value
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean)) {
        const host = parseHost(item);
        if (!host) {
          ctx.addIssue({
            code: 'custom',
            message: `not a host name (name or [IPv6 address], then :port if any): ${item}`,
          });
          return z.NEVER;
        }
        hosts.push(host);
      }
      return hosts;
    })
    .default([]),
  RATE_LIMIT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 100000')
    .max(100_000, 'must be between 1 and 100000')
    .default(120),
  SSE_MAX_PER_CLIENT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 1000')
    .max(1000, 'must be between 1 and 1000')
    .default(10),
  REQUEST_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be between 100 and 300000')
    .max(300_000, 'must be between 100 and 300000')
    .default(15_000),
  SSE_MAX: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 10000')
    .max(10_000, 'must be between 1 and 10000')
    .default(200),
  CALL_PROVIDER: z
    .enum(CALL_PROVIDERS, { error: `must be one of ${CALL_PROVIDERS.join(', ')}` })
    .default('mock'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hexadecimal digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{8,200}$/, 'must be 8 to 200 visible ASCII characters')
    .optional(),
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hexadecimal digits')
    .optional(),
  TWILIO_API_SECRET: z
    .string()
    .regex(/^[\x21-\x7e]{8,200}$/, 'must be 8 to 200 visible ASCII characters')
    .optional(),
  TWILIO_API_URL: httpUrl.default('https://api.twilio.com'),
  CALLS_PER_SECOND: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be a positive number')
    .max(10_000, 'must be at most 10000')
    .optional(),
  TRUST_PROXY: flag.default(false),
  // Days after which finished calls and call records are deleted (the scheduler's `retention`,
  // whose bounds these are); fractions allowed (0.5: twelve hours). Unset: nothing is deleted.
  RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .positive(
      'must be a number of days above 0 (fractions allowed); leave it unset to keep everything',
    )
    .max(36_500, 'must be at most 36500 days')
    .optional(),
});

/** The checks between variables, in the order their errors are reported. */
const configSchema = envSchema.superRefine((env, ctx) => {
  if (env.CALL_PROVIDER !== 'twilio') {
    if (env.DIALER_MESSAGE !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DIALER_MESSAGE'],
        message:
          'the mock provider cannot honour it (its Call APIs take only a number); ' +
          'set CALL_PROVIDER=twilio or leave DIALER_MESSAGE unset',
      });
    }
    return;
  }
  for (const [key, why] of Object.entries(TWILIO_REQUIRED)) {
    if (env[key as keyof typeof TWILIO_REQUIRED] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `required with CALL_PROVIDER=twilio: ${why}`,
      });
      return;
    }
  }
  const pair = ['TWILIO_API_KEY', 'TWILIO_API_SECRET'] as const;
  const [key, secret] = pair.map((name) => env[name] !== undefined);
  if (key !== secret) {
    const missing = key ? 'TWILIO_API_SECRET' : 'TWILIO_API_KEY';
    const given = key ? 'TWILIO_API_KEY' : 'TWILIO_API_SECRET';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: `required with ${given}: an API key is used with its secret`,
    });
  }
});

export type Config = z.infer<typeof configSchema>;
export type LogLevel = Config['LOG_LEVEL'];

/**
 * Reads the configuration from the environment. A variable set to the empty string counts as
 * unset. A bad value throws one line saying which variable and why.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key]?.trim();
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

const LOCAL_HOSTS = /^(localhost|127\.[\d.]+|\[::1\]|0\.0\.0\.0)$/;

/**
 * What a valid configuration may still get wrong, one line each, for the server to log at start:
 * with Twilio's own API, a `PUBLIC_URL` on this machine cannot receive Twilio's callbacks.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.CALL_PROVIDER === 'twilio' && config.PUBLIC_URL) {
    const publicHost = new URL(config.PUBLIC_URL).hostname;
    const apiHost = new URL(config.TWILIO_API_URL).hostname;
    if (LOCAL_HOSTS.test(publicHost) && /(^|\.)twilio\.com$/.test(apiHost)) {
      warnings.push(
        `PUBLIC_URL is ${config.PUBLIC_URL}, which Twilio cannot reach: calls will be placed but ` +
          'their status callbacks will not arrive; expose the server through an HTTPS tunnel ' +
          'and set PUBLIC_URL to its address',
      );
    }
  }
  if (config.CALL_PROVIDER === 'mock') {
    const set = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY'] as const;
    const given = set.filter((key) => config[key] !== undefined);
    if (given.length > 0) {
      warnings.push(
        `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set but CALL_PROVIDER is mock: ` +
          'calls go to the simulators; set CALL_PROVIDER=twilio to place them through Twilio',
      );
    }
  }
  return warnings;
}
