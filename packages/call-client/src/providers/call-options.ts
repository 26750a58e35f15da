import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, UnsupportedCallOptionError } from '../errors/errors.js';

/**
 * How a call tells a person from a machine: `'off'` (no detection), `'detect'` (report who
 * answered as soon as it is known) or `'detect-beep'` (for a machine, wait until its greeting
 * ends, so a message spoken then lands in the voicemail).
 */
export type MachineDetection = 'off' | 'detect' | 'detect-beep';

/** Who answered a call, where the provider detected it. */
export type AnsweredBy = 'human' | 'machine' | 'fax' | 'unknown';

/** The words of {@link AnsweredBy}. */
export const ANSWERED_BY: readonly AnsweredBy[] = Object.freeze([
  'human',
  'machine',
  'fax',
  'unknown',
]);

/**
 * What one call is for, in words every voice API has under its own names. A provider lists the
 * ones it honours in `capabilities.options`; `placeCall` refuses any other with an
 * {@link UnsupportedCallOptionError} before a request leaves. An option left `undefined` asks for
 * nothing, and so do `machineDetection: 'off'`, `record: false` and an empty `extra`: those pass
 * on every provider.
 */
export interface CallOptions {
  /**
   * The caller id of this call, in any form `toE164` accepts.
   * @default the client's own `from`
   */
  from?: string;
  /**
   * Text spoken to whoever answers (the provider renders it safely, e.g. Twilio's
   * `<Response><Say>` with XML escaping). Not with `answerUrl`. At most 4000 characters, no
   * control characters, and not blank: text with nothing to say (only white space, zero-width
   * and other invisible characters, or combining marks with no letter) is refused.
   * @default the client's own call instructions
   * @example say: 'Your appointment with Dr Ruiz is tomorrow at 9:30.'
   */
  say?: string;
  /**
   * The URL of the provider's call instructions for this call (Twilio's TwiML `Url`). Not with
   * `say`.
   * @default the client's own call instructions
   */
  answerUrl?: string;
  /**
   * Seconds to let the phone ring before the call ends `no-answer`, 1–600.
   * @default the provider's (Twilio: 60)
   */
  ringTimeoutS?: number;
  /**
   * The longest the call may last once answered, in seconds, 1–86,400.
   * @default the provider's (Twilio: 4 hours)
   */
  timeLimitS?: number;
  /**
   * Answering-machine detection; the outcome arrives as `answeredBy` on the call's events.
   * @default 'off'
   */
  machineDetection?: MachineDetection;
  /**
   * Records the call.
   * @default false
   */
  record?: boolean;
  /**
   * Provider-specific parameters, sent verbatim (Twilio: `SendDigits`, `CallReason`,
   * `MachineDetectionTimeout`…). The provider checks their names against its API and refuses
   * those that an option above or the client itself sets.
   * @default {}
   * @example extra: { CallReason: 'Appointment reminder' }
   */
  extra?: Record<string, CallOptionValue>;
}

/** A value of {@link CallOptions.extra}: a word, a number, a flag or a list of words. */
export type CallOptionValue = string | number | boolean | readonly string[];

/** The names of {@link CallOptions}. */
export type CallOptionName = keyof CallOptions;

/** Every {@link CallOptionName}, in the order the documentation lists them. */
export const CALL_OPTION_NAMES: readonly CallOptionName[] = Object.freeze([
  'from',
  'say',
  'answerUrl',
  'ringTimeoutS',
  'timeLimitS',
  'machineDetection',
  'record',
  'extra',
]);

/** The longest `say` text any provider is given (Twilio's whole `Twiml` is at most 4,000). */
export const MAX_SAY_LENGTH = 4000;

const extraValueSchema = z.union([
  z.string().max(4000),
  z.number(),
  z.boolean(),
  z.array(z.string().max(4000)).max(50),
]);

/** What XML 1.0 cannot carry: control characters (but tab and line ends) and lone surrogates. */
const UNSPEAKABLE =
  // eslint-disable-next-line no-control-regex -- these are the characters looked for
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What a speech engine says nothing for, so a `say` made only of it is blank: white space
 * (Unicode White_Space: spaces of every width, tabs, line ends), control and format characters
 * (categories Cc and Cf: zero-width spaces, non-joiners and joiners, direction marks and
 * overrides, the word joiner and invisible operators, the byte-order mark, the soft hyphen, the
 * Mongolian vowel separator, tags), the other default-ignorable code points (variation selectors,
 * the combining grapheme joiner, Hangul fillers), combining marks (category M), which are only
 * said with the letter they sit on, and the blank Braille pattern (U+2800). Among other text they
 * are kept as they are: a joiner inside an emoji or a word, a direction mark in Hebrew or Arabic.
 */
const SILENT = /^[\p{White_Space}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/**
 * Text a call speaks, of at most `max` characters: not blank (see {@link SILENT}) and with no
 * character speech markup cannot carry. The one check of every message a call speaks: `say`, and
 * an inbound policy's `message`.
 */
export function spokenText(max: number) {
  return z
    .string()
    .max(max)
    .refine((text) => !SILENT.test(text), 'must not be blank')
    .refine(
      (text) => !UNSPEAKABLE.test(text),
      'must be text that can be spoken (no control characters)',
    );
}

/**
 * What a call says, as a person sends it (a form's message, a list's `say` column): trimmed, then
 * the rule of `say` ({@link spokenText}: at most 4,000 characters, not blank, no control
 * characters). The one check of such text wherever an app takes it; what a provider refuses
 * besides is `checkCallOptions`.
 * @example sayTextSchema.parse('  See you at 9.  ') // 'See you at 9.'
 */
export const sayTextSchema = z.string().trim().pipe(spokenText(MAX_SAY_LENGTH));

const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** {@link CallOptions} as zod reads them: unknown names are refused, not ignored. */
export const callOptionsSchema = strictObject(
  {
    from: z.string().trim().min(1).max(64).optional(),
    say: spokenText(MAX_SAY_LENGTH).optional(),
    answerUrl: z
      .url({ protocol: /^https?$/ })
      .max(4000)
      .optional(),
    ringTimeoutS: z.int().min(1).max(600).optional(),
    timeLimitS: z.int().min(1).max(86_400).optional(),
    machineDetection: z.enum(['off', 'detect', 'detect-beep']).optional(),
    record: z.boolean().optional(),
    extra: z
      .record(z.string(), extraValueSchema)
      .superRefine((extra, ctx) => {
        const names = Object.keys(extra);
        if (names.length > 50)
          ctx.addIssue({ code: 'custom', message: 'must have at most 50 parameters' });
        for (const name of names)
          if (!PARAMETER_NAME.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'must be a parameter name (letters, digits and underscores)',
            });
      })
      .optional(),
  },
  {
    message: 'say',
    text: 'say',
    callerid: 'from',
    amd: 'machineDetection',
    answeringmachinedetection: 'machineDetection',
    machinedetect: 'machineDetection',
    timeout: 'ringTimeoutS',
    ringtimeout: 'ringTimeoutS',
    timelimit: 'timeLimitS',
    maxduration: 'timeLimitS',
    url: 'answerUrl',
    twiml: 'answerUrl',
    recording: 'record',
    params: 'extra',
  },
).refine((o) => o.say === undefined || o.answerUrl === undefined, {
  message: 'give say or answerUrl, not both',
  path: ['answerUrl'],
});

/**
 * The options of a call that ask the provider for something: `undefined`, `'off'`, `false` and an
 * empty `extra` ask for nothing.
 */
export function requestedCallOptions(options: CallOptions): CallOptionName[] {
  const asked: CallOptionName[] = [];
  for (const name of CALL_OPTION_NAMES) {
    const value = options[name];
    if (value === undefined) continue;
    if (name === 'machineDetection' && value === 'off') continue;
    if (name === 'record' && value === false) continue;
    if (name === 'extra' && Object.keys(value as object).length === 0) continue;
    asked.push(name);
  }
  return asked;
}

/**
 * The {@link CallOptions} of a `placeCall` request: every field but `to`, `signal` and `beforeSend`, so a
 * misspelt option is refused by {@link checkCallOptions}, not dropped.
 */
export function callOptionsOf(request: object): Record<string, unknown> {
  const {
    to: _to,
    signal: _signal,
    beforeSend: _beforeSend,
    ...options
  } = request as Record<string, unknown>;
  return options;
}

/**
 * Checks a call's options against the schema and against what `provider` honours, sending
 * nothing, and returns them parsed. Throws an `InvalidOptionsError` (zod's issues, each with the
 * option's path) for a malformed value, an {@link UnsupportedCallOptionError} for an option the
 * provider does not list in `capabilities.options`, and whatever the provider's own
 * `checkCallOptions` throws (e.g. a Twilio `extra` name the API does not have). The clients run
 * it at the start of `placeCall`; the scheduler and the dialer run it when a call is scheduled or
 * a list is given, so a call that cannot be placed is refused at once.
 *
 * @example
 * checkCallOptions(twilio, { say: 'Hello', machineDetection: 'detect' });
 */
export function checkCallOptions(
  provider: OptionsProvider & { checkCallOptions?(options: CallOptions): void },
  options: unknown,
  what = 'call',
): CallOptions {
  const parsed = parseCallOptions(provider, options, what);
  provider.checkCallOptions?.(parsed);
  return parsed;
}

/**
 * What the option checks read of a `CallProvider`: its name and the options it honours (written
 * here rather than picked from `CallProvider`, whose file imports this one's types).
 */
interface OptionsProvider {
  readonly name: string;
  readonly capabilities: { readonly options?: readonly CallOptionName[] };
}

/**
 * {@link checkCallOptions} without the provider's own check: what an adapter's `placeCall` runs
 * before building its request, which makes that check anyway. A call with no options (the
 * commonest placement) is answered without running the schema.
 */
export function parseCallOptions(
  provider: OptionsProvider,
  options: unknown,
  what = 'call',
): CallOptions {
  if (options === undefined || options === null || isEmptyRecord(options)) return {};
  const parsed = callOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(what, parsed.error.issues);
  const honoured = provider.capabilities.options ?? [];
  for (const name of requestedCallOptions(parsed.data)) {
    if (!honoured.includes(name)) throw new UnsupportedCallOptionError(provider.name, name);
  }
  return parsed.data;
}

/** A plain object with no own properties, which the schema would read as no options. */
function isEmptyRecord(value: unknown): boolean {
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Reflect.ownKeys(value as object).length === 0;
}

/**
 * A provider's word for who answered, as an {@link AnsweredBy}: `human`; `machine` and every
 * `machine_…` word (Twilio's `machine_start`, `machine_end_beep`, `machine_end_silence`,
 * `machine_end_other`); `fax`; anything else said is `unknown`. `undefined` when nothing was said
 * (no detection ran).
 *
 * @example
 * mapAnsweredBy('machine_end_beep'); // 'machine'
 */
export function mapAnsweredBy(word: string | null | undefined): AnsweredBy | undefined {
  if (word === undefined || word === null) return undefined;
  const text = word.trim().toLowerCase();
  if (text === '') return undefined;
  if (text === 'human') return 'human';
  if (text === 'machine' || text.startsWith('machine_')) return 'machine';
  if (text === 'fax') return 'fax';
  return 'unknown';
}
