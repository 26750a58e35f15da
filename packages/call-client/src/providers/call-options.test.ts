import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANSWERED_BY,
  CALL_OPTION_NAMES,
  callOptionsOf,
  callOptionsSchema,
  checkCallOptions,
  mapAnsweredBy,
  parseCallOptions,
  requestedCallOptions,
  sayTextSchema,
  type CallOptionName,
} from './call-options.js';
import {
  HttpError,
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  isUnsupportedOperationError,
  UnsupportedCallOptionError,
  UnsupportedOperationError,
  type InvalidOptionsError,
} from '../errors/errors.js';
import { isCallNotPlaced, isRetryablePlacementError } from '../errors/placement.js';
import type { CallProvider } from './provider.js';

const provider = (options?: readonly CallOptionName[], check?: CallProvider['checkCallOptions']) =>
  ({
    name: 'test-provider',
    capabilities: { polling: true, webhooks: false, ...(options && { options }) },
    ...(check && { checkCallOptions: check }),
  }) satisfies Pick<CallProvider, 'name' | 'capabilities' | 'checkCallOptions'>;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('checkCallOptions', () => {
  it('returns the options parsed when the provider honours every one asked for', () => {
    const all = provider(CALL_OPTION_NAMES);
    const options = {
      from: '+14155550100',
      say: 'Hello',
      ringTimeoutS: 30,
      timeLimitS: 60,
      machineDetection: 'detect-beep',
      record: true,
      extra: { CallReason: 'Reminder', Trim: 'do-not-trim' },
    };
    expect(checkCallOptions(all, options)).toEqual(options);
    expect(checkCallOptions(all, undefined)).toEqual({});
  });

  it('refuses an option the provider does not list, naming it and the provider', () => {
    const error = thrown(() => checkCallOptions(provider(['say']), { say: 'Hi', record: true }));
    expect(isUnsupportedCallOptionError(error)).toBe(true);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect(isUnsupportedOperationError(error)).toBe(true);
    expect(error).toMatchObject({
      provider: 'test-provider',
      option: 'record',
      code: 'unsupported_call_option',
    });
    expect((error as Error).message).toBe(
      'The test-provider provider cannot honour the call option "record"',
    );
  });

  it('takes a provider without capabilities.options to honour none', () => {
    expect(
      isUnsupportedCallOptionError(thrown(() => checkCallOptions(provider(), { say: 'x' }))),
    ).toBe(true);
  });

  it('lets options that ask for nothing pass on any provider', () => {
    const none = provider([]);
    const options = { machineDetection: 'off', record: false, extra: {} } as const;
    expect(checkCallOptions(none, options)).toEqual(options);
    expect(requestedCallOptions(options)).toEqual([]);
  });

  it.each([
    [{ say: 'Hi', answerUrl: 'https://app.example/twiml' }, 'answerUrl', 'say or answerUrl'],
    [{ ringTimeoutS: 0 }, 'ringTimeoutS', ''],
    [{ ringTimeoutS: 601 }, 'ringTimeoutS', ''],
    [{ timeLimitS: 86_401 }, 'timeLimitS', ''],
    [{ timeLimitS: 2.5 }, 'timeLimitS', ''],
    [{ machineDetection: 'on' }, 'machineDetection', ''],
    [{ record: 1 }, 'record', ''],
    [{ answerUrl: 'javascript:alert(1)' }, 'answerUrl', ''],
    [{ say: '' }, 'say', 'blank'],
    [{ say: 'x'.repeat(4001) }, 'say', ''],
    [{ say: 'a\u0000b' }, 'say', 'control characters'],
    [{ say: 'lone \uD800 surrogate' }, 'say', 'control characters'],
    [{ from: '' }, 'from', ''],
    [{ extra: { 'Bad Name': 'x' } }, 'extra.Bad Name', 'parameter name'],
    [{ extra: { SendDigits: { nested: true } } }, 'extra.SendDigits', ''],
    [{ sayy: 'typo' }, '', 'sayy'],
  ])('refuses %o with an InvalidOptionsError at %s', (options, path, words) => {
    const error = thrown(() => checkCallOptions(provider(CALL_OPTION_NAMES), options));
    expect(isInvalidOptionsError(error), String(error)).toBe(true);
    const { issues, message } = error as InvalidOptionsError;
    expect(issues.map((issue) => issue.path.join('.'))).toContain(path);
    expect(message).toContain(words);
  });

  it('runs the provider’s own check after the shared ones', () => {
    const seen: unknown[] = [];
    const check = (options: unknown) => {
      seen.push(options);
      throw new UnsupportedOperationError('not today');
    };
    expect(thrown(() => checkCallOptions(provider(['say'], check), { say: 'Hi' }))).toBeInstanceOf(
      UnsupportedOperationError,
    );
    expect(seen).toEqual([{ say: 'Hi' }]);
    // A refusal by the shared checks never reaches the provider's.
    thrown(() => checkCallOptions(provider(['say'], check), { record: true }));
    expect(seen).toHaveLength(1);
  });
});

/** Characters a speech engine says nothing for, by kind: the rule's every kind. */
const SILENT_CHARACTERS = [
  ' \t\n\r\u0085\u00A0\u1680\u2002\u2003\u2009\u200A\u2028\u2029\u202F\u205F\u3000', // white space
  '\u200B\u200C\u200D', // zero-width space, non-joiner, joiner
  '\u200E\u200F\u061C\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069', // direction
  '\u2060\u2061\u2062\u2063\u2064', // word joiner, invisible operators
  '\uFEFF\u00AD\u180E', // byte-order mark, soft hyphen, Mongolian vowel separator
  '\uFE00\uFE0F\u{E0100}\u180B\u034F', // variation selectors, combining grapheme joiner
  '\u3164\u115F\u1160\uFFA0', // Hangul fillers
  '\u{E0001}\u{E0041}\u{E007F}', // tags
  '\u0301\u0308\u20DD\u093E', // combining marks, with no letter under them
  '\u2800', // the blank Braille pattern
  '\u0080\u009F', // C1 controls
].flatMap((kind) => [...kind]);

describe('a say with nothing to say', () => {
  const say = (text: string) => checkCallOptions(provider(['say']), { say: text });
  const refusedAsBlank = (text: string) => {
    const error = thrown(() => say(text));
    expect(isInvalidOptionsError(error), String(error)).toBe(true);
    expect((error as InvalidOptionsError).issues).toContainEqual(
      expect.objectContaining({ path: ['say'], message: 'must not be blank' }),
    );
  };

  it.each([
    ['a zero-width space', '\u200B', 'Hello\u200Bworld'],
    ['zero-width joiners', '\u200D\u200D', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'],
    ['a zero-width non-joiner', '\u200C', 'می\u200Cخواهم'],
    ['direction marks', '\u200E\u200F\u061C', '\u200Fשלום, להתראות'],
    ['direction embeddings and isolates', '\u202B\u202C\u2067\u2069', '\u2067مرحبا بك\u2069'],
    ['a word joiner and invisible operators', '\u2060\u2061\u2062\u2063\u2064', 'x\u2062y'],
    ['a byte-order mark and a soft hyphen', '\uFEFF\u00AD', '\uFEFFco\u00ADoperate'],
    ['a Mongolian vowel separator', '\u180E', 'ᠬᠣᠨᠢ\u180Eᠶᠢ'],
    ['variation selectors', '\uFE0F\uFE0E\u{E0100}', '\u2764\uFE0F'],
    ['a Hangul filler', '\u3164', '안녕하세요'],
    ['tag characters', '\u{E0067}\u{E0062}\u{E007F}', '\u{1F3F4}\u{E0067}\u{E0062}\u{E007F}'],
    ['combining marks', '\u0301\u0308\u20DD\u093E', 'e\u0301, नमस्ते, 1\uFE0F\u20E3'],
    ['the blank Braille pattern', '\u2800\u2800', '⠓⠑⠇⠇⠕\u2800⠺⠕⠗⠇⠙'],
    ['wide spaces with a zero-width one', '\u3000\u200B\u00A0\u2028', '您的餐桌\u3000已准备好。'],
    ['invisible characters between spaces and line ends', ' \u200B\t\uFEFF\r\n\u2060 ', '\u200B 7'],
  ])(
    'refuses %s alone as blank, as an empty say, and keeps it inside text',
    (_what, alone, text) => {
      refusedAsBlank(alone);
      expect(say(text)).toEqual({ say: text });
    },
  );

  it('refuses any text of invisible characters only, and takes it around a letter, digit or sign', () => {
    const silent = fc.string({ unit: fc.constantFrom(...SILENT_CHARACTERS), maxLength: 20 });
    const visible = fc.constantFrom(
      ...['a', 'Z', '9', 'é', 'ß', 'ж', 'ש', 'ب', '中', 'ア', '한', 'क', '!', '€', '\u{1F44D}'],
    );
    fc.assert(
      fc.property(silent, visible, silent, (before, letter, after) => {
        refusedAsBlank(before + after);
        const text = `${before}${letter}${after}`;
        expect(say(text)).toEqual({ say: text });
      }),
      { numRuns: 300 },
    );
  });
});

describe('sayTextSchema', () => {
  it('trims what a person sent, then holds it to the rule of say', () => {
    expect(sayTextSchema.parse('  See you at 9.\n')).toBe('See you at 9.');
    const issues = (text: string) =>
      sayTextSchema.safeParse(text).error?.issues.map((i) => i.message) ?? [];
    expect(issues('   ')).toEqual(['must not be blank']);
    expect(issues('\u200B')).toEqual(['must not be blank']);
    expect(issues('bell \u0007')).toEqual([
      'must be text that can be spoken (no control characters)',
    ]);
    expect(sayTextSchema.safeParse('x'.repeat(4001)).error?.issues[0]?.code).toBe('too_big');
    // The length is the trimmed text's.
    expect(sayTextSchema.parse(` ${'x'.repeat(4000)} `)).toHaveLength(4000);
  });

  it('takes what say takes once trimmed, and refuses what it refuses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const ours = sayTextSchema.safeParse(text);
        const say = callOptionsSchema.safeParse({ say: text.trim() });
        expect(ours.success).toBe(say.success);
        if (ours.success) expect(ours.data).toBe(text.trim());
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCallOptions', () => {
  it('checks like checkCallOptions but leaves the provider’s own check to placeCall', () => {
    const seen: unknown[] = [];
    const honouring = provider(['say'], (options) => void seen.push(options));
    expect(parseCallOptions(honouring, { say: 'Hi' })).toEqual({ say: 'Hi' });
    expect(seen).toEqual([]);
    expect(
      isUnsupportedCallOptionError(thrown(() => parseCallOptions(honouring, { record: true }))),
    ).toBe(true);
    expect(isInvalidOptionsError(thrown(() => parseCallOptions(honouring, { say: '' })))).toBe(
      true,
    );
  });

  it.each([undefined, null, {}])('reads %o as no options', (options) => {
    expect(parseCallOptions(provider([]), options)).toEqual({});
  });

  it.each([
    ['message', 'say'],
    ['callerId', 'from'],
    ['amd', 'machineDetection'],
    ['ringTimeout', 'ringTimeoutS'],
    ['machine_detection', 'machineDetection'],
  ])('refuses the unknown option %s, saying %s was meant', (given, meant) => {
    const error = thrown(() => parseCallOptions(provider(['say']), { [given]: 'x' }));
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as InvalidOptionsError).message).toContain(
      `unknown option "${given}": did you mean "${meant}"?`,
    );
  });

  it('still refuses what is not an object of options', () => {
    for (const bad of ['say', []])
      expect(isInvalidOptionsError(thrown(() => parseCallOptions(provider([]), bad)))).toBe(true);
  });
});

describe('callOptionsOf', () => {
  it('keeps every field of a request but to and signal, misspelt ones included', () => {
    const signal = new AbortController().signal;
    expect(callOptionsOf({ to: '+1', signal, say: 'Hi', speak: 'typo' })).toEqual({
      say: 'Hi',
      speak: 'typo',
    });
  });
});

describe('mapAnsweredBy', () => {
  it.each([
    ['human', 'human'],
    ['HUMAN', 'human'],
    ['machine', 'machine'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['machine_end_silence', 'machine'],
    ['machine_end_other', 'machine'],
    ['fax', 'fax'],
    ['unknown', 'unknown'],
    ['robot', 'unknown'],
  ])('reads %s as %s', (word, expected) => {
    expect(mapAnsweredBy(word)).toBe(expected);
    expect(ANSWERED_BY).toContain(expected);
  });

  it.each([undefined, null, '', '  '])('reads %o as nothing said', (word) => {
    expect(mapAnsweredBy(word)).toBeUndefined();
  });
});

describe('placement errors of call options', () => {
  it('counts a refused option as surely not placed, and not worth trying again', () => {
    const unsupported = new UnsupportedCallOptionError('mock-call-api', 'say');
    const invalid = thrown(() => checkCallOptions(provider([]), { ringTimeoutS: -1 }));
    for (const error of [unsupported, invalid]) {
      expect(isCallNotPlaced(error)).toBe(true);
      expect(isRetryablePlacementError(error)).toBe(false);
    }
  });

  it('judges an HttpError by the statuses its adapter declares as "nothing created"', () => {
    const error = (status: number, notAcceptedStatuses?: number[]) =>
      new HttpError({
        status,
        request: { method: 'POST', url: 'https://api.example/calls' },
        body: undefined,
        headers: new Headers(),
        attempts: 1,
        ...(notAcceptedStatuses && { notAcceptedStatuses }),
      });
    // The practice APIs' default: 429 and 503 created nothing and may pass.
    expect(isCallNotPlaced(error(503))).toBe(true);
    expect(isRetryablePlacementError(error(503))).toBe(true);
    // Twilio's: 429 only; its 503 is ambiguous.
    expect(error(503, [429]).notAccepted).toBe(false);
    expect(isCallNotPlaced(error(503, [429]))).toBe(false);
    expect(isRetryablePlacementError(error(503, [429]))).toBe(false);
    expect(isRetryablePlacementError(error(429, [429]))).toBe(true);
    // Any other 4xx created nothing, but trying again will not help.
    expect(isCallNotPlaced(error(400, [429]))).toBe(true);
    expect(isRetryablePlacementError(error(400, [429]))).toBe(false);
  });
});
