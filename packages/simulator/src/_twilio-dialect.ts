import type { ResolvedKnobs } from './_options.js';
import type { Random } from './_random.js';
import type { TwilioCallbackStatus } from './types.js';

// What tells the two providers that speak Twilio's Calls resource apart: Twilio itself, and
// SignalWire's Compatibility ("LaML") API. One engine (`_twilio.ts`) plays both, reading these.

/** How one provider speaks Twilio's Calls resource of API 2010-04-01. */
export interface TwilioDialect {
  flavour: 'twilio' | 'signalwire';
  /** The `AccountSid` of paths, resources and callbacks (SignalWire: the project id). */
  accountSid: string;
  /** The HTTP Basic credentials accepted, `user:secret` each. */
  credentials: ReadonlyArray<{ user: string; secret: string }>;
  /** The key callbacks and inbound requests are signed with. */
  signingKey: string;
  /** The header the signature goes in, in lower case. */
  signatureHeader: 'x-twilio-signature' | 'x-signalwire-signature';
  /** Where the API lives below the base URL, before `/2010-04-01`, as resources' URIs say it. */
  pathPrefix: string;
  /**
   * Matches an API path (Calls, or one call): the account in group 1, the call's sid (if any)
   * in group 2.
   */
  path: RegExp;
  /** A new resource's id: Twilio's `prefix` + 32 hex digits, SignalWire's a UUID. */
  newSid(random: Random, prefix: 'CA' | 'RE'): string;
  /** The `CallStatus` a status callback says for a status. */
  callbackStatus(status: TwilioCallbackStatus): TwilioCallbackStatus | 'answered';
  /** The realm of a `401`'s `WWW-Authenticate`. */
  realm: string;
}

const CALLS = String.raw`\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/([^/]+))?\.json$`;

/** Twilio's dialect, or SignalWire's, from the knobs of a flavour that speaks Twilio's. */
export function dialectOf(knobs: ResolvedKnobs): TwilioDialect {
  if (knobs.flavour === 'signalwire') {
    const { projectId, apiToken, signingKey } = knobs.signalwire;
    return {
      flavour: 'signalwire',
      accountSid: projectId,
      credentials: [{ user: projectId, secret: apiToken }],
      signingKey,
      signatureHeader: 'x-signalwire-signature',
      pathPrefix: '/api/laml',
      // SignalWire's documents name `/api/laml/2010-04-01/…`; its official client
      // (`@signalwire/compatibility-api`) requests `/2010-04-01/…` at the space's root.
      path: new RegExp(`^(?:\\/api\\/laml)?${CALLS}`),
      newSid: (random) => random.uuid(),
      callbackStatus: (status) => (status === 'in-progress' ? 'answered' : status),
      realm: 'SignalWire',
    };
  }
  const { accountSid, authToken, apiKeys } = knobs.twilio;
  return {
    flavour: 'twilio',
    accountSid,
    credentials: [
      { user: accountSid, secret: authToken },
      ...apiKeys.map((key) => ({ user: key.sid, secret: key.secret })),
    ],
    signingKey: authToken,
    signatureHeader: 'x-twilio-signature',
    pathPrefix: '',
    path: new RegExp(`^${CALLS}`),
    newSid: (random, prefix) => `${prefix}${random.uuid().replaceAll('-', '')}`,
    callbackStatus: (status) => status,
    realm: 'Twilio API',
  };
}
