/**
 * `@ringkit/call-client/testing`: a simulator of both Call API flavours as a real HTTP server, and
 * a fault gateway to put in front of it. It needs nothing but this package: the same simulator as
 * MSW handlers is the separate entry `@ringkit/call-client/testing/msw`.
 */
export { startCallApiSimulator } from './simulator.js';
export { startFaultGateway } from './gateway.js';

export type { CallApiSimulator, SimulatorOptions } from './simulator.js';
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
  SimulatorWebhookBody,
  SimulatorWebhookFailedEvent,
  SimulatorWebhookSentEvent,
  WebhookDeliverer,
} from './types.js';
