/**
 * `@ringkit/call-client/testing`: a simulator of both Call API flavours, as a real HTTP server
 * or as MSW handlers, with the same behaviour and the same knobs.
 */
export { startCallApiSimulator } from './simulator.js';
export { startFaultGateway } from './gateway.js';
export { callApiHandlers, createCallApiMock } from './msw.js';

export type { CallApiSimulator, SimulatorOptions } from './simulator.js';
export type { FaultGateway, FaultGatewayOptions, GatewayFault } from './gateway.js';
export type { CallApiMock, CallApiMockOptions } from './msw.js';
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
