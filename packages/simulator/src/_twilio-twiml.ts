import { elementsOf, parseXml, textOf, XmlError, type XmlElement } from './_xml.js';

// A strict reader of the TwiML an app answers an inbound call with: the verbs the simulator
// plays, each with the attributes Twilio documents for it. Any other verb, an attribute Twilio
// does not document, or a value it would refuse, is a problem the call fails on, so an app's
// mistake shows in its tests.

/** One verb of a TwiML document, read and checked. */
export type TwimlVerb =
  | { verb: 'Say'; text: string }
  | { verb: 'Pause'; lengthS: number }
  | {
      verb: 'Record';
      action: string | undefined;
      method: 'GET' | 'POST';
      maxLengthS: number;
      playBeep: boolean;
    }
  | {
      verb: 'Dial';
      action: string | undefined;
      method: 'GET' | 'POST';
      timeoutS: number;
      number: string;
    }
  | { verb: 'Reject'; reason: 'busy' | 'rejected' }
  | { verb: 'Hangup' }
  | { verb: 'Redirect'; url: string; method: 'GET' | 'POST' };

/** Why a document cannot be played, with Twilio's error code (12100: parse; 12200: schema). */
export interface TwimlProblem {
  code: '12100' | '12200';
  message: string;
}

/** The attributes Twilio documents for each verb the simulator plays. */
const ATTRIBUTES: Record<TwimlVerb['verb'], readonly string[]> = {
  Say: ['voice', 'language', 'loop'],
  Pause: ['length'],
  Record: [
    'action',
    'method',
    'timeout',
    'finishOnKey',
    'maxLength',
    'playBeep',
    'trim',
    'recordingStatusCallback',
    'recordingStatusCallbackMethod',
    'recordingStatusCallbackEvent',
    'storageUrl',
    'storageUrlMethod',
    'transcribe',
    'transcribeCallback',
  ],
  Dial: [
    'action',
    'method',
    'timeout',
    'callerId',
    'hangupOnStar',
    'timeLimit',
    'record',
    'recordingStatusCallback',
    'recordingStatusCallbackMethod',
    'recordingStatusCallbackEvent',
    'recordingTrack',
    'trim',
    'answerOnBridge',
    'ringTone',
    'referUrl',
    'referMethod',
    'sequential',
    'events',
    'callReason',
  ],
  Reject: ['reason'],
  Hangup: [],
  Redirect: ['method'],
};

const NUMBER_ATTRIBUTES = [
  'sendDigits',
  'url',
  'method',
  'statusCallback',
  'statusCallbackEvent',
  'statusCallbackMethod',
  'byoc',
  'machineDetection',
  'machineDetectionTimeout',
  'amdStatusCallback',
  'amdStatusCallbackMethod',
];

class Refused extends Error {}
const refuse = (message: string): never => {
  throw new Refused(message);
};

function checkAttributes(element: XmlElement, allowed: readonly string[]): void {
  for (const name of element.attributes.keys()) {
    if (!allowed.includes(name)) refuse(`<${element.name}> takes no attribute ${name}`);
  }
}

function whole(element: XmlElement, name: string, fallback: number, min: number, max: number) {
  const value = element.attributes.get(name);
  if (value === undefined) return fallback;
  if (/^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
  return refuse(`<${element.name} ${name}> must be a whole number from ${min} to ${max}`);
}

function method(element: XmlElement): 'GET' | 'POST' {
  const value = element.attributes.get('method') ?? 'POST';
  if (value === 'GET' || value === 'POST') return value;
  return refuse(`<${element.name} method> must be GET or POST, got ${value}`);
}

function noChildren(element: XmlElement): void {
  if (elementsOf(element).length > 0) refuse(`<${element.name}> takes no nested elements`);
}

function readVerb(element: XmlElement): TwimlVerb {
  const verb = element.name as TwimlVerb['verb'];
  if (!Object.hasOwn(ATTRIBUTES, verb)) {
    return refuse(`<${element.name}> is not a verb the simulator plays`);
  }
  checkAttributes(element, ATTRIBUTES[verb]);
  if (verb !== 'Dial') noChildren(element);
  const text = textOf(element);
  if (text !== '' && !['Say', 'Dial', 'Redirect'].includes(verb)) {
    refuse(`<${verb}> takes no text`);
  }
  switch (verb) {
    case 'Say':
      return text === '' ? refuse('<Say> needs text to say') : { verb, text };
    case 'Pause':
      return { verb, lengthS: whole(element, 'length', 1, 1, 3600) };
    case 'Record': {
      const beep = element.attributes.get('playBeep') ?? 'true';
      if (beep !== 'true' && beep !== 'false') refuse('<Record playBeep> must be true or false');
      return {
        verb,
        action: element.attributes.get('action'),
        method: method(element),
        maxLengthS: whole(element, 'maxLength', 3600, 1, 14_400),
        playBeep: beep === 'true',
      };
    }
    case 'Dial':
      return {
        verb,
        action: element.attributes.get('action'),
        method: method(element),
        timeoutS: whole(element, 'timeout', 30, 5, 600),
        number: dialed(element, text),
      };
    case 'Reject': {
      const reason = element.attributes.get('reason') ?? 'rejected';
      if (reason !== 'busy' && reason !== 'rejected') {
        refuse(`<Reject reason> must be busy or rejected, got ${reason}`);
      }
      return { verb, reason: reason as 'busy' | 'rejected' };
    }
    case 'Hangup':
      return { verb };
    case 'Redirect':
      return text === ''
        ? refuse('<Redirect> needs the URL to go to')
        : { verb, url: text, method: method(element) };
  }
}

/** The number a `<Dial>` rings: its text, or its one `<Number>` noun. */
function dialed(element: XmlElement, text: string): string {
  const nouns = elementsOf(element);
  if (nouns.length === 0) return text === '' ? refuse('<Dial> needs a number to dial') : text;
  if (text !== '') refuse('<Dial> takes a number as text or a <Number>, not both');
  if (nouns.length > 1) refuse('the simulator dials one <Number> at a time');
  const noun = nouns[0]!;
  if (noun.name !== 'Number') refuse(`<Dial><${noun.name}> is not a noun the simulator plays`);
  checkAttributes(noun, NUMBER_ATTRIBUTES);
  noChildren(noun);
  const number = textOf(noun);
  return number === '' ? refuse('<Number> needs a number') : number;
}

/** Reads a TwiML document: its verbs in order, or why it cannot be played. */
export function readTwiml(text: string): TwimlVerb[] | TwimlProblem {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    return { code: '12100', message: `the TwiML is not well-formed XML: ${error.message}` };
  }
  try {
    if (root.name !== 'Response') refuse(`the root element must be <Response>, not <${root.name}>`);
    if (root.attributes.size > 0) refuse('<Response> takes no attributes');
    if (textOf(root) !== '') refuse('<Response> takes verbs, not text');
    return elementsOf(root).map(readVerb);
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    return { code: '12200', message: error.message };
  }
}

export function isTwimlProblem(value: TwimlVerb[] | TwimlProblem): value is TwimlProblem {
  return !Array.isArray(value);
}
