import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError } from '@ringkit/call-client';
import { answerWeights, checkAnswers, type PracticeEnd } from './_answers.js';
import { randomSeed } from './_random.js';
import { importSigningKey } from './_telnyx-keys.js';
import { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';
import { isRsaPublicKey } from './_vonage-jwt.js';
import { isE164 } from './_values.js';
import type {
  SimulatedOutcome,
  SimulatorEvent,
  SimulatorFlavour,
  SimulatorInboundKnobs,
  SimulatorKnobs,
  SimulatorSignalWireAccount,
  SimulatorTwilioAccount,
  SimulatorVonageAccount,
  StatusCallbackDeliverer,
  TelnyxWebhookDeliverer,
  VonageWebhookDeliverer,
  WebhookDeliverer,
} from './types.js';

/** The longest step, ring or talk time, and inbound interval a knob takes, in ms. */
export const MAX_STEP_MS = 86_400_000;
/** The longest `responseDelayMs`. */
export const MAX_RESPONSE_DELAY_MS = 600_000;
/** The largest `timeScale`. */
export const MAX_TIME_SCALE = 10_000;

const duration = (max: number) =>
  z.number().finite().min(0, 'must be 0 or more').max(max, `must be at most ${max}`);
const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const weight = z.number().finite().min(0, 'a weight must be 0 or more').optional();
const fn = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', `${what} must be a function`);
const weights = strictObject({
  completed: weight,
  busy: weight,
  'no-answer': weight,
  failed: weight,
}).refine(
  (given) => Object.values(given).some((w) => w !== undefined && w > 0),
  'at least one outcome needs a weight above 0',
);
/** A time in ms, or a `[min, max]` range of them. */
const range = (max: number, name: string) =>
  z.union([
    duration(max),
    z
      .tuple([duration(max), duration(max)])
      .refine(([min, top]) => min <= top, `${name} must be [min, max] with min <= max`),
  ]);
/** An http(s) URL. */
export const httpUrl = (name: string) =>
  z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` });
/** A phone number in E.164. */
export const phone = (name: string) =>
  z
    .string({ error: `${name} must be a string` })
    .refine(isE164, `${name} must be a phone number in E.164, e.g. +14155552671`);

/** The fields of {@link SimulatorInboundKnobs}, each checked alone. */
export const inboundFields = strictObject({
  url: httpUrl('url').optional(),
  statusCallbackUrl: httpUrl('statusCallbackUrl').optional(),
  eventUrl: httpUrl('eventUrl').optional(),
  everyMs: z
    .number()
    .finite()
    .positive('everyMs must be above 0')
    .max(MAX_STEP_MS, `everyMs must be at most ${MAX_STEP_MS}`)
    .optional(),
  from: phone('from').optional(),
  to: phone('to').optional(),
  forwardOutcomes: weights.optional(),
  hangUpWhileRingingRate: rate.optional(),
  hangUpWhileForwardRingsRate: rate.optional(),
  voicemailRate: rate.optional(),
});

/** The zod shape of {@link SimulatorInboundKnobs}. */
const inboundShape = inboundFields.refine(
  (inbound) => inbound.everyMs === undefined || inbound.url !== undefined,
  { message: 'everyMs needs a url to ring', path: ['everyMs'] },
);

/** The zod shape of {@link SimulatorKnobs}; each adapter adds its own options to it. */
export const knobsShape = {
  flavour: z.enum(['polling', 'webhook', 'twilio', 'telnyx', 'signalwire', 'vonage'], {
    error: "flavour must be 'polling', 'webhook', 'twilio', 'telnyx', 'signalwire' or 'vonage'",
  }),
  stepMs: range(MAX_STEP_MS, 'stepMs').optional(),
  outcomes: weights.optional(),
  errorRate: rate.optional(),
  earlyWebhookRate: rate.optional(),
  duplicateWebhookRate: rate.optional(),
  outOfOrderRate: rate.optional(),
  responseDelayMs: duration(MAX_RESPONSE_DELAY_MS).optional(),
  seed: z.int().optional(),
  onEvent: fn<(event: SimulatorEvent) => void>('onEvent').optional(),
  deliverWebhook: fn<WebhookDeliverer>('deliverWebhook').optional(),
  ringMs: duration(MAX_STEP_MS).optional(),
  talkMs: duration(MAX_STEP_MS).optional(),
  twilio: strictObject({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'accountSid must be AC + 32 hex digits'),
    authToken: z.string().min(1, 'authToken must not be empty'),
    apiKeys: z
      .array(
        strictObject({
          sid: z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'an API key sid must be SK + 32 hex digits'),
          secret: z.string().min(1, 'an API key secret must not be empty'),
        }),
      )
      .optional(),
  }).optional(),
  signalwire: strictObject({
    projectId: z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'projectId must be a UUID',
      ),
    apiToken: z.string().min(1, 'apiToken must not be empty'),
    signingKey: z.string().min(1, 'signingKey must not be empty'),
  }).optional(),
  callsPerSecond: z
    .number()
    .finite()
    .positive('callsPerSecond must be above 0')
    .max(10_000, 'callsPerSecond must be at most 10000')
    .optional(),
  deliverStatusCallback: fn<StatusCallbackDeliverer>('deliverStatusCallback').optional(),
  machineRate: rate.optional(),
  humanRate: rate.optional(),
  agentAnswerMs: range(MAX_STEP_MS, 'agentAnswerMs').optional(),
  talkMeanMs: z
    .number()
    .finite()
    .positive('talkMeanMs must be above 0')
    .max(MAX_STEP_MS, `talkMeanMs must be at most ${MAX_STEP_MS}`)
    .optional(),
  talkSigma: z
    .number()
    .min(0, 'talkSigma must be between 0 and 3')
    .max(3, 'talkSigma must be between 0 and 3')
    .optional(),
  timeScale: z
    .number()
    .min(1, `timeScale must be between 1 and ${MAX_TIME_SCALE}`)
    .max(MAX_TIME_SCALE, `timeScale must be between 1 and ${MAX_TIME_SCALE}`)
    .optional(),
  telnyx: strictObject({
    apiKey: z.string().min(1, 'apiKey must not be empty'),
    connectionId: z.string().min(1, 'connectionId must not be empty'),
    publicKey: z
      .never({
        error:
          "publicKey is not an option: it comes from telnyxSigningKey; read the simulator's publicKey",
      })
      .optional(),
  }).optional(),
  telnyxSigningKey: z
    .string()
    .refine(
      (value) => importSigningKey(value) !== undefined,
      'telnyxSigningKey must be an Ed25519 private key, base64 of its PKCS#8 DER',
    )
    .optional(),
  deliverTelnyxWebhook: fn<TelnyxWebhookDeliverer>('deliverTelnyxWebhook').optional(),
  inbound: inboundShape.optional(),
  vonage: strictObject({
    applicationId: z.string().min(1, 'applicationId must not be empty').optional(),
    publicKey: z
      .string()
      .refine(isRsaPublicKey, 'publicKey must be an RSA public key in PEM')
      .optional(),
    apiKey: z.string().min(1, 'apiKey must not be empty').optional(),
    signatureSecret: z.string().min(1, 'signatureSecret must not be empty').optional(),
  }).optional(),
  deliverVonageWebhook: fn<VonageWebhookDeliverer>('deliverVonageWebhook').optional(),
};

/**
 * Knobs that only some flavours read: giving them to another is a mistake, refused (the JSON
 * flavours kept accepting `deliverWebhook`, as they always did).
 */
export const FLAVOUR_ONLY: ReadonlyArray<[keyof SimulatorKnobs, readonly SimulatorFlavour[]]> = [
  ['twilio', ['twilio']],
  ['signalwire', ['signalwire']],
  ['callsPerSecond', ['twilio', 'signalwire']],
  ['deliverStatusCallback', ['twilio', 'signalwire']],
  ['humanRate', ['polling', 'webhook']],
  ['agentAnswerMs', ['polling', 'webhook']],
  ['talkMeanMs', ['polling', 'webhook']],
  ['talkSigma', ['polling', 'webhook']],
  ['timeScale', ['polling', 'webhook']],
  ['telnyx', ['telnyx']],
  ['telnyxSigningKey', ['telnyx']],
  ['deliverTelnyxWebhook', ['telnyx']],
  ['inbound', ['twilio', 'telnyx', 'signalwire', 'vonage']],
  ['deliverWebhook', ['polling', 'webhook']],
  ['vonage', ['vonage']],
  ['deliverVonageWebhook', ['vonage']],
];

/** The knobs plus `extra` as one strict schema, with the knobs only one flavour reads checked. */
export function knobsSchema<E extends z.ZodRawShape>(extra: E) {
  return strictObject({ ...knobsShape, ...extra }).superRefine((value, ctx) => {
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
    const wrongAnswers = checkAnswers(value as SimulatorKnobs);
    if (wrongAnswers) ctx.addIssue({ code: 'custom', ...wrongAnswers });
    const inbound = knobs.inbound as SimulatorInboundKnobs | undefined;
    if (inbound?.statusCallbackUrl !== undefined && !speaksTwilio(knobs.flavour)) {
      ctx.addIssue({
        code: 'custom',
        path: ['inbound', 'statusCallbackUrl'],
        message: STATUS_CALLBACK_URL_ONLY,
      });
    }
    if (inbound?.eventUrl !== undefined && knobs.flavour !== 'vonage') {
      ctx.addIssue({ code: 'custom', path: ['inbound', 'eventUrl'], message: EVENT_URL_ONLY });
    }
  });
}

/** Whether a flavour speaks Twilio's Calls resource: Twilio itself, or SignalWire's LaML. */
export const speaksTwilio = (flavour: unknown): flavour is 'twilio' | 'signalwire' =>
  flavour === 'twilio' || flavour === 'signalwire';

/** Why an inbound `statusCallbackUrl` is refused for another flavour. */
export const STATUS_CALLBACK_URL_ONLY =
  'statusCallbackUrl applies to the twilio and signalwire flavours only';

/** Why an inbound `eventUrl` is refused for another flavour. */
export const EVENT_URL_ONLY = 'eventUrl applies to the vonage flavour only';

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
  signalwire: SimulatorSignalWireAccount;
  callsPerSecond: number;
  deliverStatusCallback: StatusCallbackDeliverer | undefined;
  machineRate: number;
  /**
   * Polling and webhook flavours: the weights of how a call ends, who answered included, when
   * `humanRate` or `machineRate` is given (see `answerWeights`); else `undefined`.
   */
  answers: Readonly<Record<PracticeEnd, number>> | undefined;
  agentAnswerMs: readonly [number, number];
  talkMeanMs: number;
  talkSigma: number;
  timeScale: number;
  telnyx: { apiKey: string; connectionId: string };
  /** The base64 PKCS#8 DER Ed25519 key given, or `undefined`: the engine makes one. */
  telnyxSigningKey: string | undefined;
  deliverTelnyxWebhook: TelnyxWebhookDeliverer | undefined;
  inbound: ResolvedInbound;
  vonage: Required<SimulatorVonageAccount>;
  deliverVonageWebhook: VonageWebhookDeliverer | undefined;
}

/** The `inbound` knobs with their defaults (`from` left out: drawn per call). */
export interface ResolvedInbound {
  url: string | undefined;
  statusCallbackUrl: string | undefined;
  eventUrl: string | undefined;
  everyMs: number | undefined;
  from: string | undefined;
  to: string;
  forwardOutcomes: Readonly<Record<SimulatedOutcome, number>>;
  hangUpWhileRingingRate: number;
  hangUpWhileForwardRingsRate: number;
  voicemailRate: number;
}

/** Parses options with `schema`, throwing an {@link InvalidOptionsError} that names each problem. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string) {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidOptionsError(what, result.error.issues);
  return result.data;
}

/** Fills in the defaults of validated knobs. */
export function resolveKnobs(knobs: SimulatorKnobs): ResolvedKnobs {
  const inbound = knobs.inbound ?? {};
  return {
    flavour: knobs.flavour,
    stepMs: rangeOf(knobs.stepMs ?? [200, 1000]),
    outcomes: fillWeights(knobs.outcomes ?? { completed: 1 }),
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
    signalwire: { ...SIGNALWIRE_TEST_CREDENTIALS, ...knobs.signalwire },
    callsPerSecond: knobs.callsPerSecond ?? 1,
    deliverStatusCallback: knobs.deliverStatusCallback,
    machineRate: knobs.machineRate ?? 0.3,
    answers: answerWeights(knobs),
    agentAnswerMs: rangeOf(knobs.agentAnswerMs ?? [200, 400]),
    talkMeanMs: knobs.talkMeanMs ?? 120_000,
    talkSigma: knobs.talkSigma ?? 0.8,
    timeScale: knobs.timeScale ?? 1,
    telnyx: {
      apiKey: knobs.telnyx?.apiKey ?? TELNYX_TEST_CREDENTIALS.apiKey,
      connectionId: knobs.telnyx?.connectionId ?? TELNYX_TEST_CREDENTIALS.connectionId,
    },
    telnyxSigningKey: knobs.telnyxSigningKey,
    deliverTelnyxWebhook: knobs.deliverTelnyxWebhook,
    inbound: {
      url: inbound.url,
      statusCallbackUrl: inbound.statusCallbackUrl,
      eventUrl: inbound.eventUrl,
      everyMs: inbound.everyMs,
      from: inbound.from,
      to: inbound.to ?? '+15005550006',
      forwardOutcomes: fillWeights(
        inbound.forwardOutcomes ?? { completed: 7, 'no-answer': 2, busy: 1 },
      ),
      hangUpWhileRingingRate: inbound.hangUpWhileRingingRate ?? 0.1,
      hangUpWhileForwardRingsRate: inbound.hangUpWhileForwardRingsRate ?? 0.1,
      voicemailRate: inbound.voicemailRate ?? 0.8,
    },
    vonage: {
      applicationId: knobs.vonage?.applicationId ?? VONAGE_TEST_CREDENTIALS.applicationId,
      publicKey: knobs.vonage?.publicKey ?? VONAGE_TEST_CREDENTIALS.publicKey,
      apiKey: knobs.vonage?.apiKey ?? VONAGE_TEST_CREDENTIALS.apiKey,
      signatureSecret: knobs.vonage?.signatureSecret ?? VONAGE_TEST_CREDENTIALS.signatureSecret,
    },
    deliverVonageWebhook: knobs.deliverVonageWebhook,
  };
}

const rangeOf = (value: number | readonly [number, number]): readonly [number, number] =>
  typeof value === 'number' ? [value, value] : value;

function fillWeights(
  given: Partial<Record<SimulatedOutcome, number>>,
): Record<SimulatedOutcome, number> {
  return {
    completed: given.completed ?? 0,
    busy: given.busy ?? 0,
    'no-answer': given['no-answer'] ?? 0,
    failed: given.failed ?? 0,
  };
}
