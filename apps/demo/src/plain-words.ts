/**
 * zod's own words for a refused value (`Too small: expected number to be >=1`) said plainly
 * (`must be at least 1`), for every route: `route()` parses with {@link plainWords}, so each
 * issue of a `400` reads as the rest of the field's sentence. A schema's own message stays.
 */
import type { z } from 'zod';

const UNITS: Readonly<Record<string, [one: string, many: string]>> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
};

const TYPES: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

const count = (n: number | bigint, origin: string) => {
  const unit = UNITS[origin];
  if (!unit) return String(n);
  return `${n} ${Number(n) === 1 ? unit[0] : unit[1]}`;
};

const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** A zod error map: the issue in plain words, or `undefined` for zod's own (a rare kind). */
export const plainWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const { minimum, origin } = issue;
      if (issue.exact) return `must be exactly ${count(minimum, origin)}`;
      if (origin === 'string' && Number(minimum) === 1) return 'must not be empty';
      if (origin === 'array' && Number(minimum) === 1) return 'must list at least one';
      return issue.inclusive === false
        ? `must be more than ${count(minimum, origin)}`
        : `must be at least ${count(minimum, origin)}`;
    }
    case 'too_big': {
      const { maximum, origin } = issue;
      if (issue.exact) return `must be exactly ${count(maximum, origin)}`;
      return issue.inclusive === false
        ? `must be less than ${count(maximum, origin)}`
        : `must be at most ${count(maximum, origin)}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoted(issue.values)}`
        : `must be one of ${quoted(issue.values)}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${quoted(issue.keys)}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'is not written as expected'
        : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};
