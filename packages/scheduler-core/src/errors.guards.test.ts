import { expectGuardAgrees } from '@ringkit/internal/testing';
import { InvalidOptionsError, RingkitError, UnsupportedOperationError } from '@ringkit/call-client';
import { describe, expect, it } from 'vitest';
import {
  CallNotFoundError,
  ConflictError,
  CsvSyntaxError,
  HangUpError,
  SchedulerError,
  SuppressionImportError,
  ValidationError,
  invalidOptions,
  isCallNotFoundError,
  isConflictError,
  isCsvSyntaxError,
  isHangUpError,
  isSchedulerError,
  isSuppressionImportError,
  isValidationError,
} from './errors.js';

/** One instance of every error the package throws, its options error and a foreign one included. */
const instances = [
  new SchedulerError('base', 'base'),
  new ValidationError('schedule input', []),
  new CallNotFoundError('c-1'),
  new ConflictError({ reason: 'already_placed', id: 'c-1', message: 'placed' }),
  new HangUpError({ id: 'c-1', providerCallId: 'p-1', cause: new Error('down') }),
  new CsvSyntaxError(3, 'a quoted field is not closed'),
  new SuppressionImportError({ imported: 2, refused: 0, errors: [] }, new Error('cut')),
  invalidOptions('createScheduler', []),
  new UnsupportedOperationError('no', 'cannot_hang_up'),
  new RingkitError('other', 'other'),
];

const classes = [
  [SchedulerError, isSchedulerError],
  [ValidationError, isValidationError],
  [CallNotFoundError, isCallNotFoundError],
  [ConflictError, isConflictError],
  [HangUpError, isHangUpError],
  [CsvSyntaxError, isCsvSyntaxError],
  [SuppressionImportError, isSuppressionImportError],
] as const;

describe('every guard agrees with instanceof', () => {
  it.each(classes.map(([type, guard]) => [type.name, type, guard] as const))(
    '%s',
    (_name, type, guard) => expectGuardAgrees(type, guard, instances),
  );

  it('options are refused with call-client InvalidOptionsError, which is no SchedulerError', () => {
    const error = invalidOptions('createScheduler', []);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(isSchedulerError(error)).toBe(false);
  });
});
