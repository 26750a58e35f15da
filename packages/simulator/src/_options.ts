import { z } from 'zod';
import { InvalidOptionsError } from '@ringkit/call-client';
import { randomSeed } from './_random.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import type {
  SimulatedOutcome,
  SimulatorEvent,
  SimulatorFlavour,
  SimulatorKnobs,
  SimulatorTwilioAccount,
  StatusCallbackDeliverer,
  WebhookDeliverer,
} from './types.js';

const MAX_STEP_MS = 86_400_000;

const duration = (max: number) =>
  z.number().finite().min(0, 'must be 0 or more').max(max, `must be at most ${max}`);
const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const weight = z.number().finite().min(0, 'a weight must be 0 or more').optional();
const fn = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', `${what} must be a function`);

/** The zod shape of {@link SimulatorKnobs}; each adapter adds its own options to it. */
export const knobsShape = {
  flavour: z.enum(['polling', 'webhook', 'twilio'], {
    error: "flavour must be 'polling', 'webhook' or 'twilio'",
  }),
  stepMs: z
    .union([
      duration(MAX_STEP_MS),
      z
        .tuple([duration(MAX_STEP_MS), duration(MAX_STEP_MS)])
        .refine(([min, max]) => min <= max, 'the range must be [min, max] with min <= max'),
    ])
    .optional(),
  outcomes: z
    .strictObject({ completed: weight, busy: weight, 'no-answer': weight, failed: weight })
    .refine(
      (weights) => Object.values(weights).some((w) => w !== undefined && w > 0),
      'at least one outcome needs a weight above 0',
    )
    .optional(),
  errorRate: rate.optional(),
  earlyWebhookRate: rate.optional(),
  duplicateWebhookRate: rate.optional(),
  outOfOrderRate: rate.optional(),
  responseDelayMs: duration(600_000).optional(),
  seed: z.int().optional(),
  onEvent: fn<(event: SimulatorEvent) => void>('onEvent').optional(),
  deliverWebhook: fn<WebhookDeliverer>('deliverWebhook').optional(),
  ringMs: duration(MAX_STEP_MS).optional(),
  talkMs: duration(MAX_STEP_MS).optional(),
  twilio: z
    .strictObject({
      accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'accountSid must be AC + 32 hex digits'),
      authToken: z.string().min(1, 'authToken must not be empty'),
      apiKeys: z
        .array(
          z.strictObject({
            sid: z
              .string()
              .regex(/^SK[0-9a-fA-F]{32}$/, 'an API key sid must be SK + 32 hex digits'),
            secret: z.string().min(1, 'an API key secret must not be empty'),
          }),
        )
        .optional(),
    })
    .optional(),
  callsPerSecond: z
    .number()
    .finite()
    .positive('callsPerSecond must be above 0')
    .max(10_000, 'callsPerSecond must be at most 10000')
    .optional(),
  deliverStatusCallback: fn<StatusCallbackDeliverer>('deliverStatusCallback').optional(),
  machineRate: rate.optional(),
};

/**
 * Knobs that only some flavours read: giving them to another is a mistake, refused (the JSON
 * flavours kept accepting `deliverWebhook`, as they always did).
 */
const FLAVOUR_ONLY: ReadonlyArray<[keyof SimulatorKnobs, readonly SimulatorFlavour[]]> = [
  ['twilio', ['twilio']],
  ['callsPerSecond', ['twilio']],
  ['deliverStatusCallback', ['twilio']],
  ['machineRate', ['twilio']],
  ['deliverWebhook', ['polling', 'webhook']],
];

/** The knobs plus `extra` as one strict schema, with the knobs only one flavour reads checked. */
export function knobsSchema<E extends z.ZodRawShape>(extra: E) {
  return z.strictObject({ ...knobsShape, ...extra }).superRefine((value, ctx) => {
    const knobs = value as Record<string, unknown>;
    for (const [key, flavours] of FLAVOUR_ONLY) {
      if (knobs[key] !== undefined && !flavours.includes(knobs.flavour as SimulatorFlavour)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} does not apply to the ${String(knobs.flavour)} flavour`,
        });
      }
    }
  });
}

/** The knobs with every default filled in. */
export interface ResolvedKnobs {
  flavour: SimulatorFlavour;
  stepMs: readonly [number, number];
  outcomes: Readonly<Record<SimulatedOutcome, number>>;
  errorRate: number;
  earlyWebhookRate: number;
  duplicateWebhookRate: number;
  outOfOrderRate: number;
  responseDelayMs: number;
  seed: number;
  onEvent: ((event: SimulatorEvent) => void) | undefined;
  deliverWebhook: WebhookDeliverer | undefined;
  ringMs: number | undefined;
  talkMs: number | undefined;
  twilio: Required<SimulatorTwilioAccount>;
  callsPerSecond: number;
  deliverStatusCallback: StatusCallbackDeliverer | undefined;
  machineRate: number;
}

/** Parses options with `schema`, throwing an {@link InvalidOptionsError} that names each problem. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string) {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidOptionsError(what, result.error.issues);
  return result.data;
}

/** Fills in the defaults of validated knobs. */
export function resolveKnobs(knobs: SimulatorKnobs): ResolvedKnobs {
  const step = knobs.stepMs ?? [200, 1000];
  const outcomes = knobs.outcomes ?? { completed: 1 };
  return {
    flavour: knobs.flavour,
    stepMs: typeof step === 'number' ? [step, step] : step,
    outcomes: {
      completed: outcomes.completed ?? 0,
      busy: outcomes.busy ?? 0,
      'no-answer': outcomes['no-answer'] ?? 0,
      failed: outcomes.failed ?? 0,
    },
    errorRate: knobs.errorRate ?? 0,
    earlyWebhookRate: knobs.earlyWebhookRate ?? 0,
    duplicateWebhookRate: knobs.duplicateWebhookRate ?? 0,
    outOfOrderRate: knobs.outOfOrderRate ?? 0,
    responseDelayMs: knobs.responseDelayMs ?? 0,
    seed: knobs.seed ?? randomSeed(),
    onEvent: knobs.onEvent,
    deliverWebhook: knobs.deliverWebhook,
    ringMs: knobs.ringMs,
    talkMs: knobs.talkMs,
    twilio: {
      accountSid: knobs.twilio?.accountSid ?? TWILIO_TEST_CREDENTIALS.accountSid,
      authToken: knobs.twilio?.authToken ?? TWILIO_TEST_CREDENTIALS.authToken,
      apiKeys: knobs.twilio?.apiKeys ?? [],
    },
    callsPerSecond: knobs.callsPerSecond ?? 1,
    deliverStatusCallback: knobs.deliverStatusCallback,
    machineRate: knobs.machineRate ?? 0.3,
  };
}
