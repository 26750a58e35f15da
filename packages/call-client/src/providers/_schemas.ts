import { storable } from '@ringkit/internal';
import { z } from 'zod';
import { mapProviderStatus, type CallStatus } from '../status.js';

/**
 * A provider id: a non-empty string or a whole number, always handed on as a string. A string
 * must be text every store holds as given (no U+0000, no lone surrogate): the id is stored.
 */
export const providerIdSchema = z
  .union([z.string().trim().min(1).max(256), z.number().int().nonnegative()])
  .transform((id) => String(id))
  .pipe(storable(z.string()));

/** A provider's status word, kept verbatim (and stored) beside the status it maps to. */
export const providerStatusSchema = storable(z.string().trim().min(1).max(64));

/** The provider's status word mapped onto ours; unknown words leave the call `initiated`. */
export function toStatus(word: string | undefined): { status: CallStatus; providerStatus: string } {
  if (word === undefined) return { status: 'initiated', providerStatus: 'initiated' };
  return { status: mapProviderStatus(word) ?? 'initiated', providerStatus: word };
}
