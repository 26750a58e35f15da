/**
 * The providers of Twilio's shape the demo serves (Twilio itself, SignalWire), as the tests of
 * their routes tell them apart: one row each, for `describe.each`.
 */
import { computeSignalWireSignature } from '@ringkit/call-client/signalwire';
import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import { SIGNALWIRE_TEST_CREDENTIALS, TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';

/** Twilio and SignalWire: what differs between them in a test of the demo's routes. */
export const TWILIO_SHAPED_FLAVOURS = [
  {
    label: 'Twilio',
    /** The `startTestApp` option (and `TestApp` field) of its simulator. */
    simulator: 'twilio',
    /** Its status route; the voice route is this path + `/voice`. */
    path: '/webhooks/twilio',
    sign: computeTwilioSignature,
    signatureHeader: 'x-twilio-signature',
    accountSid: TWILIO_TEST_CREDENTIALS.accountSid,
    /** The key it signs with. */
    secret: TWILIO_TEST_CREDENTIALS.authToken,
    /** A key that is not the account's. */
    wrongSecret: 'not-the-account-auth-token',
    /** The account's credentials that do not sign. */
    otherCredentials: [] as string[],
    foreignAccountSid: `AC${'9'.repeat(32)}`,
    callSid: `CA${'0'.repeat(32)}`,
    callIdPattern: /^CA[0-9a-f]{32}$/,
    /** The `CallStatus` of an answered call. */
    answered: 'in-progress',
    /** The routes another method than POST is a 405 on (the app's method table names them). */
    postOnlyPaths: ['/webhooks/twilio', '/webhooks/twilio/voice'],
  },
  {
    label: 'SignalWire',
    simulator: 'signalwire',
    path: '/webhooks/signalwire',
    sign: computeSignalWireSignature,
    signatureHeader: 'x-signalwire-signature',
    accountSid: SIGNALWIRE_TEST_CREDENTIALS.projectId,
    secret: SIGNALWIRE_TEST_CREDENTIALS.signingKey,
    wrongSecret: 'PSK_not-the-projects-key',
    // The API token places calls; only the signing key signs.
    otherCredentials: [SIGNALWIRE_TEST_CREDENTIALS.apiToken],
    foreignAccountSid: '11111111-2222-4333-8444-555555555555',
    callSid: 'a1b2c3d4-0000-4000-8000-000000000001',
    callIdPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    answered: 'answered',
    postOnlyPaths: ['/webhooks/signalwire', '/webhooks/signalwire/voice'],
  },
] as const;
