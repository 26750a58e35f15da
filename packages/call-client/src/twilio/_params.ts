/**
 * The parameters of `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, as Twilio's OpenAPI
 * description (twilio_api_v2010) lists them.
 */
export const TWILIO_CREATE_PARAMS: ReadonlySet<string> = new Set([
  'To',
  'From',
  'Method',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackEvent',
  'StatusCallbackMethod',
  'SendDigits',
  'Timeout',
  'Record',
  'RecordingChannels',
  'RecordingStatusCallback',
  'RecordingStatusCallbackMethod',
  'SipAuthUsername',
  'SipAuthPassword',
  'MachineDetection',
  'MachineDetectionTimeout',
  'RecordingStatusCallbackEvent',
  'Trim',
  'CallerId',
  'MachineDetectionSpeechThreshold',
  'MachineDetectionSpeechEndThreshold',
  'MachineDetectionSilenceTimeout',
  'AsyncAmd',
  'AsyncAmdStatusCallback',
  'AsyncAmdStatusCallbackMethod',
  'Byoc',
  'CallReason',
  'CallToken',
  'RecordingTrack',
  'TimeLimit',
  'ClientNotificationUrl',
  'Url',
  'Twiml',
  'ApplicationSid',
]);

/**
 * The create parameters a call's `extra` may not set: each is an option of its own
 * (`CallOptions`), or the client's wiring of the call (its number, its status callbacks).
 */
export const TWILIO_RESERVED_PARAMS: ReadonlyMap<string, string> = new Map([
  ['To', 'the number placeCall is given'],
  ['From', 'the option from'],
  ['Url', 'the option answerUrl'],
  ['Twiml', 'the option say'],
  ['ApplicationSid', 'the options say or answerUrl'],
  ['Timeout', 'the option ringTimeoutS'],
  ['TimeLimit', 'the option timeLimitS'],
  ['MachineDetection', 'the option machineDetection'],
  ['Record', 'the option record'],
  ['StatusCallback', 'the client option statusCallbackUrl'],
  ['StatusCallbackEvent', 'the client option statusCallbackUrl'],
  ['StatusCallbackMethod', 'the client option statusCallbackUrl'],
]);

/** The longest `Twiml` Twilio takes, in characters. */
export const TWILIO_MAX_TWIML = 4000;

/** `text` with XML's five special characters escaped, for TwiML. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Twilio's `MachineDetection` for a `machineDetection` option. */
export const TWILIO_MACHINE_DETECTION = {
  detect: 'Enable',
  'detect-beep': 'DetectMessageEnd',
} as const;
