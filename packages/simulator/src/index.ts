/**
 * `@ringkit/simulator`: a simulator of every Call API flavour (polling, webhook, Twilio) as a real
 * HTTP server, a fault gateway to put in front of it, and a fake provider inside the test process. It loads without msw: the same
 * simulator as MSW handlers is the separate entry `@ringkit/simulator/msw`, the provider contract
 * suite `@ringkit/simulator/contract`.
 */
export { startCallApiSimulator } from './simulator.js';
export { startFaultGateway } from './gateway.js';
export { createFakeProvider } from './fake-provider.js';
export { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';

export type { CallApiSimulator, SimulatorOptions } from './simulator.js';
export type { FaultGateway, FaultGatewayOptions, GatewayFault } from './gateway.js';
export type {
  FakeAnswerDetails,
  FakeEndRequest,
  FakePlacement,
  FakeProvider,
  FakeProviderFollow,
  FakeProviderOptions,
} from './fake-provider.js';
export type {
  SimulatedCall,
  SimulatedOutcome,
  SimulatedStatus,
  SimulatorCreatedEvent,
  SimulatorEvent,
  SimulatorFlavour,
  SimulatorKnobs,
  SimulatorRejectedEvent,
  SimulatorStatusEvent,
  SimulatorTwilioAccount,
  StatusCallbackDeliverer,
  TwilioAnsweredBy,
  TwilioCallbackStatus,
  TwilioMachineDetection,
  TwilioStatusCallbackRequest,
  SimulatorWebhookBody,
  SimulatorWebhookFailedEvent,
  SimulatorWebhookSentEvent,
  WebhookDeliverer,
} from './types.js';
