import { callOptionsSchema, isValidPhoneNumber, toE164 } from '@ringkit/call-client';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseHost, type HostName } from './hosts.js';
import {
  accountSecret,
  CALL_PROVIDER_OPTIONS,
  CALL_PROVIDERS,
  DEFAULT_CALLER_ID,
  DEFAULT_INBOUND_MESSAGE,
  INBOUND_REJECT_REASONS,
  listed,
  REAL_PROVIDERS,
  signalWireSpaceUrl,
  telnyxPublicKey,
  uuid,
  vonagePrivateKey,
} from './_config-providers.js';

export {
  CALL_PROVIDER_OPTIONS,
  CALL_PROVIDERS,
  DEFAULT_INBOUND_MESSAGE,
  type CallProviderName,
} from './_config-providers.js';

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
  // Defaulted after the checks: Telnyx, SignalWire and Vonage need one of the account's
  // numbers, given.
  CALLER_ID: phone.optional(),
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
  // ended `failed` (reason `timeout`): every campaign's `callTimeoutMs`. One hour, longer than
  // any call of a campaign lasts, where the dialer's own default (4 h) is the longest a provider
  // lets a call last (Twilio's maximum): a call whose end never comes (the webhook practice API
  // cannot be asked, and a webhook lost while no process ran never comes again) holds its
  // campaign's place this long. Calls of a provider that honours `timeLimitS` are ended by the
  // provider before it (see `time-limit.ts`).
  DIALER_CALL_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be between 100 and 86400000 (24 h)')
    .max(86_400_000, 'must be between 100 and 86400000 (24 h)')
    .default(3_600_000),
  // The entries of finished campaigns kept in memory, across campaigns, the latest read first;
  // the others are read from the store when asked: the dialer's `finishedEntriesKept`.
  FINISHED_ENTRIES_KEPT: z.coerce
    .number({ error: 'must be a number of entries' })
    .int('must be a whole number of entries')
    .min(0, 'must be between 0 and 10000000 entries')
    .max(10_000_000, 'must be between 0 and 10000000 entries')
    .default(50_000),
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
  TWILIO_AUTH_TOKEN: accountSecret.optional(),
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hexadecimal digits')
    .optional(),
  TWILIO_API_SECRET: accountSecret.optional(),
  TWILIO_API_URL: httpUrl.default('https://api.twilio.com'),
  TELNYX_API_KEY: z
    .string()
    .regex(/^[\x21-\x7e]{8,300}$/, 'must be 8 to 300 visible ASCII characters')
    .optional(),
  TELNYX_CONNECTION_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, 'must be 1 to 256 visible ASCII characters')
    .optional(),
  TELNYX_PUBLIC_KEY: telnyxPublicKey.optional(),
  TELNYX_API_URL: httpUrl.default('https://api.telnyx.com'),
  SIGNALWIRE_SPACE_URL: signalWireSpaceUrl.optional(),
  SIGNALWIRE_PROJECT_ID: uuid.optional(),
  SIGNALWIRE_API_TOKEN: accountSecret.optional(),
  SIGNALWIRE_SIGNING_KEY: accountSecret.optional(),
  VONAGE_APPLICATION_ID: uuid.optional(),
  VONAGE_PRIVATE_KEY: vonagePrivateKey.optional(),
  VONAGE_SIGNATURE_SECRET: accountSecret.optional(),
  VONAGE_API_URL: httpUrl.default('https://api.nexmo.com'),
  CALLS_PER_SECOND: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be a positive number')
    .max(10_000, 'must be at most 10000')
    .optional(),
  TRUST_PROXY: flag.default(false),
  // How calls to CALLER_ID are answered (every real provider): see inboundPolicy() in inbound.ts.
  INBOUND_MESSAGE: z
    .string()
    .max(1000, 'must be at most 1000 characters')
    .default(DEFAULT_INBOUND_MESSAGE),
  INBOUND_FORWARD_TO: phone.optional(),
  INBOUND_RING_S: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(5, 'must be between 5 and 600 seconds')
    .max(600, 'must be between 5 and 600 seconds')
    .default(20),
  INBOUND_REJECT: z
    .enum(INBOUND_REJECT_REASONS, {
      error: `must be ${INBOUND_REJECT_REASONS.join(' or ')} (or unset, to answer calls)`,
    })
    .optional(),
  // pnpm demo only: how often, on average, its real provider's simulator rings CALLER_ID.
  DEMO_INBOUND_EVERY_S: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be between 0 (no calls) and 3600 seconds')
    .max(3600, 'must be between 0 (no calls) and 3600 seconds')
    .optional(),
  // pnpm demo only: the scenario its practice simulators play, passed on to ringkit-sim as
  // --scenario: one it knows by name (predictive), or the absolute path of a scenario file.
  DEMO_SCENARIO: z
    .string()
    .refine(
      (value) => /^[a-z][a-z0-9-]{0,63}$/.test(value) || (isAbsolute(value) && existsSync(value)),
      'must be the name of a scenario of ringkit-sim (predictive) or the absolute path of a scenario file (JSON) that exists',
    )
    .optional(),
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

/**
 * The checks between variables, in the order their errors are reported; then the default that
 * depends on them (`CALLER_ID`).
 */
const configSchema = envSchema
  .superRefine((env, ctx) => {
    const provider = env.CALL_PROVIDER;
    if (env.DIALER_MESSAGE !== undefined && !CALL_PROVIDER_OPTIONS[provider].includes('say')) {
      const speakers = CALL_PROVIDERS.filter((p) => CALL_PROVIDER_OPTIONS[p].includes('say'));
      ctx.addIssue({
        code: 'custom',
        path: ['DIALER_MESSAGE'],
        message:
          `the ${provider} provider cannot honour it (its calls take no message); ` +
          `set CALL_PROVIDER=${listed(speakers)}, or leave DIALER_MESSAGE unset`,
      });
      return;
    }
    if (env.INBOUND_REJECT !== undefined && env.INBOUND_FORWARD_TO !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_REJECT'],
        message:
          'cannot be set with INBOUND_FORWARD_TO: a call is either rejected or forwarded; unset one of them',
      });
      return;
    }
    if (env.INBOUND_FORWARD_TO === (env.CALLER_ID ?? DEFAULT_CALLER_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_FORWARD_TO'],
        message:
          'must not be CALLER_ID, the number it forwards calls of: the call would ring the app again',
      });
      return;
    }
    if (provider === 'mock') return;
    for (const [key, why] of Object.entries(REAL_PROVIDERS[provider].required)) {
      if (env[key as keyof typeof env] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `required with CALL_PROVIDER=${provider}: ${why}`,
        });
        return;
      }
    }
    if (provider !== 'twilio') return;
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
  })
  .transform((env) => ({ ...env, CALLER_ID: env.CALLER_ID ?? DEFAULT_CALLER_ID }));

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
