/**
 * `@ringkit/call-client/testing`: a simulator of every Call API flavour (polling, webhook, Twilio)
 * as a real HTTP server, a fault gateway to put in front of it, and a fake clock. It needs nothing but this package: the
 * same simulator as MSW handlers is the separate entry `@ringkit/call-client/testing/msw`.
 */
export { startCallApiSimulator } from './simulator.js';
export { startFaultGateway } from './gateway.js';
export { createFakeClock } from './fake-clock.js';
export { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';

export type { CallApiSimulator, SimulatorOptions } from './simulator.js';
export type { FakeClock } from './fake-clock.js';
export type { FaultGateway, FaultGatewayOptions, GatewayFault } from './gateway.js';
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
