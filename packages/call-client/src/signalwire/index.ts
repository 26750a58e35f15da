/**
 * `@ringkit/call-client/signalwire`: SignalWire's Compatibility API ("LaML", Twilio's API
 * 2010-04-01 in a SignalWire space) as a flavour of `./twilio`: the same client, webhook
 * handlers and inbound voice handler, with SignalWire's address, ids, status words and signing.
 */
export { createSignalWireClient } from './client.js';
export { computeSignalWireSignature, verifySignalWireSignature } from './signature.js';

export type { SignalWireClientOptions } from './client.js';
export type { TwilioProvider } from '../twilio/_client.js';
export type { VerifySignalWireSignatureInput } from './signature.js';
