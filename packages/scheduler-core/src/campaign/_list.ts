import { createHash } from 'node:crypto';
import type { CallOptions, CallProvider, CountryCode } from '@ringkit/call-client';
import { eachInSlices, mapInSlices } from '@ringkit/internal';
import { ValidationError } from '../errors.js';
import type { StoredCall } from '../store.js';
import { newStoredCall } from '../_rows.js';
import { customIssue, validateSchedule } from '../_validate.js';
import { CALLEE, firstOpening } from '../_window.js';
import { MIN_AGENT_RING_S, type CampaignEntryInput } from './options.js';
import type { CampaignSettings } from './settings.js';

/** What turning a list into rows needs. */
export interface ListContext {
  /** The campaign's name. */
  id: string;
  provider: CallProvider;
  defaultCountry: CountryCode;
  generateId: () => string;
  /** The settings the campaign is created with: its window and retries. */
  settings: CampaignSettings;
  /** The time the rows are due, and created, at. */
  now: number;
}

/**
 * The rows of a campaign's list, in order: every entry checked as `schedule()` checks a call,
 * with the campaign's retry settings (`retry.machine` needs each entry's `machineDetection`),
 * and due at once (with a `'callee'` window, at its next opening in the entry's own zones).
 * @throws ValidationError naming the entry (`entries[position]`)
 */
export function campaignRows(
  entries: readonly CampaignEntryInput[],
  ctx: ListContext,
): StoredCall[] {
  return entries.map((entry, position) => campaignRow(entry, position, ctx));
}

/**
 * {@link campaignRows} and {@link fingerprintOf} in slices of time: the loop gets a turn every few
 * milliseconds, so a list of 10,000 never holds it for long.
 */
export async function campaignListInSlices(
  entries: readonly CampaignEntryInput[],
  ctx: ListContext,
): Promise<CampaignList> {
  const rows = await mapInSlices(entries, (entry, position) => campaignRow(entry, position, ctx));
  const hash = createHash('sha256');
  await eachInSlices(rows, (row) => hash.update(fingerprintLine(row)));
  return { rows, fingerprint: hash.digest('base64url') };
}

/** A list turned into rows, with its digest. */
export interface CampaignList {
  rows: StoredCall[];
  fingerprint: string;
}

/** One entry's row: checked as `schedule()` checks a call. */
function campaignRow(entry: CampaignEntryInput, position: number, ctx: ListContext): StoredCall {
  const { now, settings } = ctx;
  let valid;
  try {
    valid = validateSchedule(
      {
        to: entry?.to,
        at: new Date(now),
        ...(settings.window ? { window: settings.window } : {}),
        maxAttempts: settings.maxAttempts,
        ...(settings.retryBackoff ? { retryBackoff: settings.retryBackoff } : {}),
        ...(settings.retry ? { retry: settings.retry } : {}),
        ...(entry?.call === undefined ? {} : { call: entry.call }),
      } as Parameters<typeof validateSchedule>[0],
      now,
      ctx.defaultCountry,
      ctx.provider,
    );
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        `campaign entry #${position}`,
        error.issues.map((i) => ({ ...i, path: ['entries', position, ...i.path] })),
        error.cause === undefined ? {} : { cause: error.cause },
      );
    }
    throw error;
  }
  const ringS = valid.call?.ringTimeoutS;
  if (settings.mode !== 'power' && ringS !== undefined && ringS < MIN_AGENT_RING_S) {
    // A call given up sooner is one a person may answer as it ends: the rule is 15 s at least.
    throw new ValidationError(`campaign entry #${position}`, [
      customIssue(
        ['entries', position, 'call', 'ringTimeoutS'],
        `must be at least ${MIN_AGENT_RING_S} s in mode ${JSON.stringify(settings.mode)} (got ${ringS})`,
      ),
    ]);
  }
  // An entry whose window is closed now waits for its own opening (in its own zones).
  const window = valid.options?.window;
  const dueAt = window?.timezone === CALLEE ? (firstOpening(window, now) ?? now) : now;
  return {
    ...newStoredCall({
      id: ctx.generateId(),
      to: valid.to,
      dueAt,
      now,
      idempotencyKey: null,
      options: valid.options,
      call: valid.call,
      provider: ctx.provider.name,
    }),
    campaign: ctx.id,
    position,
  };
}

/**
 * The digest of a list as stored: numbers, order and per-entry options. Two workers given the
 * same list join the same campaign; another list under its name is refused.
 */
export function fingerprintOf(rows: { to: string; call: CallOptions | null }[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(fingerprintLine(row));
  return hash.digest('base64url');
}

const fingerprintLine = (row: { to: string; call: CallOptions | null }) =>
  JSON.stringify([row.to, row.call]) + '\n';
