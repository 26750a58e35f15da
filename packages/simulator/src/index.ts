/**
 * `@ringkit/simulator`: a simulator of every Call API flavour (polling, webhook, Twilio, Telnyx,
 * SignalWire) as a real HTTP server, a fault gateway to put in front of it, and a fake provider
 * inside the test process. It loads without msw: the same simulator as MSW handlers is the
 * separate entry `@ringkit/simulator/msw`, the provider contract suite
 * `@ringkit/simulator/contract`.
 */
export { startCallApiSimulator } from './simulator.js';
export { startFaultGateway } from './gateway.js';
export { createFakeProvider } from './fake-provider.js';
export { simulateShift } from './shift.js';
export type {
  ShiftAgent,
  ShiftFigures,
  ShiftObservation,
  ShiftOptions,
  ShiftPacer,
  ShiftRate,
  ShiftView,
} from './shift.js';
export { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
export { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
export { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';
export { signTelnyxWebhook } from './telnyx-signature.js';
export { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';
export { signVonageWebhook } from './vonage-signature.js';

export type { CallApiSimulator, SimulatorOptions } from './simulator.js';
export type { FaultGateway, FaultGatewayOptions, GatewayFault } from './gateway.js';
export type {
  FakeAbandonRequest,
  FakeAnswerDetails,
  FakeConnectRequest,
  FakeEndRequest,
  FakePlacement,
  FakeProvider,
  FakeProviderFollow,
  FakeProviderOptions,
  FakeRequestState,
} from './fake-provider.js';
export type { SignTelnyxWebhookOptions, TelnyxWebhookHeaders } from './telnyx-signature.js';
export type { SignVonageWebhookOptions, VonageWebhookHeaders } from './vonage-signature.js';
export type {
  RingAppOptions,
  SimulatedCall,
  SimulatedForward,
  SimulatedForwardStatus,
  SimulatedOutcome,
  SimulatedRecording,
  SimulatedStatus,
  SimulatorCreatedEvent,
  SimulatorEvent,
  SimulatorFlavour,
  SimulatorInboundKnobs,
  SimulatorKnobs,
  SimulatorForwardEvent,
  SimulatorRejectedEvent,
  SimulatorSignalWireAccount,
  SimulatorSpokenEvent,
  SimulatorStatusEvent,
  SimulatorTelnyxAccount,
  SimulatorTwilioAccount,
  StatusCallbackDeliverer,
  TelnyxAnsweredBy,
  TelnyxCallStatus,
  TelnyxEventType,
  TelnyxHangupCause,
  TelnyxMachineDetection,
  TelnyxWebhookDeliverer,
  TelnyxWebhookEvent,
  TelnyxWebhookRequest,
  TwilioAnsweredBy,
  TwilioCallbackStatus,
  TwilioMachineDetection,
  TwilioStatusCallbackRequest,
  SimulatorVonageAccount,
  VonageCallStatus,
  VonageEventStatus,
  VonageWebhookDeliverer,
  VonageWebhookEvent,
  VonageWebhookRequest,
  SimulatorWebhookBody,
  SimulatorWebhookFailedEvent,
  SimulatorWebhookSentEvent,
  WebhookDeliverer,
} from './types.js';
