/**
 * The NCCO (Vonage's call control object) a call runs once answered: a JSON array of actions,
 * every field as the official `@vonage/voice` package's `TalkAction` and `RecordAction` types
 * (and its `Talk` and `Record` classes) write them. Text is a JSON string value, never spliced
 * into markup.
 */

/** An NCCO `talk` action: `text` spoken with the text-to-speech engine. */
export type VonageTalkAction = {
  action: 'talk';
  text: string;
  /** The language (BCP-47, e.g. `en-GB`); Vonage's default is `en-US`. */
  language?: string;
  /** The vocal style of the language (its voice number). */
  style?: number;
  /** The premium voice of the language and style. */
  premium?: boolean;
};

/**
 * An NCCO `record` action with no ending condition: asynchronous, it records the whole call
 * while the following actions run (Vonage's NCCO reference).
 */
export type VonageRecordAction = {
  action: 'record';
  /** Where Vonage POSTs the recording's event (its `recording_url`). */
  eventUrl?: string[];
  eventMethod?: 'POST';
};

/** One NCCO action: `action` names it, the other fields are its own. */
export type NccoAction = { action: string } & Record<string, unknown>;

/** The longest `text` a `talk` action takes: 1,500 characters (Vonage's NCCO reference). */
export const VONAGE_MAX_TALK = 1500;

/**
 * Text Vonage would read as SSML rather than say: text in a `<speak>` element. A `say` of this
 * form is refused, so a message is always spoken as the characters it holds.
 */
export const SSML_TEXT = /^\s*<speak[\s>/]/i;

/** How the client speaks: the `talk` fields besides `text`. */
export interface TalkSettings {
  language?: string | undefined;
  style?: number | undefined;
  premium?: boolean | undefined;
}

/** A `talk` action saying `text` with `settings`; fields not set are left out. */
export function talkAction(text: string, settings: TalkSettings = {}): VonageTalkAction {
  const talk: VonageTalkAction = { action: 'talk', text };
  if (settings.language !== undefined) talk.language = settings.language;
  // Style 0 is Vonage's default, left out as the official `Talk` leaves it out.
  if (settings.style !== undefined && settings.style !== 0) talk.style = settings.style;
  if (settings.premium !== undefined) talk.premium = settings.premium;
  return talk;
}

/** A `record` action whose event goes to `eventUrl` (by POST), or to the application's event URL. */
export function recordAction(eventUrl: string | undefined): VonageRecordAction {
  return eventUrl === undefined
    ? { action: 'record' }
    : { action: 'record', eventUrl: [eventUrl], eventMethod: 'POST' };
}

/**
 * The NCCO of one call: a `record` action first when `record` (so the whole call is recorded),
 * then a `talk` of `say`, or else the client's own NCCO.
 */
export function callNcco(input: {
  say: string | undefined;
  record: boolean;
  talk: TalkSettings;
  eventUrl: string | undefined;
  fallback: readonly NccoAction[];
}): NccoAction[] {
  const body: NccoAction[] =
    input.say === undefined
      ? input.fallback.map((a) => ({ ...a }))
      : [{ ...talkAction(input.say, input.talk) }];
  return input.record ? [recordAction(input.eventUrl), ...body] : body;
}
