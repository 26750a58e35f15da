import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANSWER_PARAMS,
  CLIENT_STATE_UPDATE_PARAMS,
  RECORD_START_PARAMS,
  REJECT_PARAMS,
  TRANSFER_PARAMS,
} from './_telnyx-action-params.js';
import { DIAL_PARAMS, HANGUP_PARAMS, SPEAK_PARAMS } from './_telnyx-params.js';

/** The official `telnyx` package's folder, wherever the package manager put it. */
const telnyxDir = dirname(createRequire(import.meta.url).resolve('telnyx'));

/** The top-level keys of `export interface <name> { … }` in one of the package's `.d.ts` files. */
function keysOf(file: string, name: string): string[] {
  const text = readFileSync(join(telnyxDir, file), 'utf8');
  const start = text.indexOf(`export interface ${name} {`);
  expect(start, `${name} in ${file}`).toBeGreaterThanOrEqual(0);
  const body = text.slice(start, text.indexOf('\n}\n', start));
  return [...body.matchAll(/^ {4}([a-z_]+)\??:/gm)].map((match) => match[1] ?? '');
}

describe('the body keys the Telnyx flavour takes', () => {
  it('are exactly the keys of CallDialParams for a dial', () => {
    const keys = keysOf('resources/calls/calls.d.ts', 'CallDialParams');
    expect(keys.length).toBeGreaterThan(50);
    expect([...DIAL_PARAMS].sort()).toEqual([...keys].sort());
  });

  it.each([
    ['speak', SPEAK_PARAMS, 'ActionSpeakParams'],
    ['hangup', HANGUP_PARAMS, 'ActionHangupParams'],
    ['answer', ANSWER_PARAMS, 'ActionAnswerParams'],
    ['record_start', RECORD_START_PARAMS, 'ActionStartRecordingParams'],
    ['transfer', TRANSFER_PARAMS, 'ActionTransferParams'],
    ['reject', REJECT_PARAMS, 'ActionRejectParams'],
    ['client_state_update', CLIENT_STATE_UPDATE_PARAMS, 'ActionUpdateClientStateParams'],
  ])('are exactly the keys of its params type for the %s command', (_, params, type) => {
    const keys = keysOf('resources/calls/actions.d.ts', type);
    expect([...params].sort()).toEqual([...keys].sort());
  });
});
