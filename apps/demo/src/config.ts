import { isValidPhoneNumber, toE164 } from '@ringkit/call-client';
import { z } from 'zod';

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
  DIALER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 100')
    .max(100, 'must be between 1 and 100')
    .default(3),
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
});

export type Config = z.infer<typeof envSchema>;
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
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
