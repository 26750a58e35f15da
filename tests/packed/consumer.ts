// A TypeScript program written against the installed packages, as a user writes one. types.mjs
// type-checks it with `strict` and `skipLibCheck: false` under NodeNext (as an ES module and as
// CommonJS, so both the `.d.ts` and the `.d.cts` files are read) and under Bundler. It imports
// every public entry of every package (types.mjs holds it to the exports maps), so every
// declaration file that ships is checked, and it fails if a public type is missing or has
// silently become `any`.
import { trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import * as client from '@ringkit/call-client';
import type { CallOptions, CallProvider, CallStatus, TracerLike } from '@ringkit/call-client';
import * as status from '@ringkit/call-client/status';
import * as clientTesting from '@ringkit/call-client/testing';
import * as telnyx from '@ringkit/call-client/telnyx';
import type { TelnyxStatusEvent } from '@ringkit/call-client/telnyx';
import * as twilio from '@ringkit/call-client/twilio';
import * as signalwire from '@ringkit/call-client/signalwire';
import type { SignalWireStatusCallback } from '@ringkit/call-client/signalwire';
import * as vonage from '@ringkit/call-client/vonage';
import type { VonageStatusEvent } from '@ringkit/call-client/vonage';
import * as dialer from '@ringkit/dialer';
import type { DialerEntry, TracerLike as DialerTracerLike } from '@ringkit/dialer';
import * as scheduler from '@ringkit/scheduler-core';
import type {
  ScheduledCall,
  Store,
  TracerLike as SchedulerTracerLike,
} from '@ringkit/scheduler-core';
import * as memory from '@ringkit/scheduler-core/memory';
import * as postgres from '@ringkit/scheduler-core/postgres';
import * as sqlite from '@ringkit/scheduler-core/sqlite';
import * as storeTesting from '@ringkit/scheduler-core/testing';
import * as testing from '@ringkit/simulator';
import * as contract from '@ringkit/simulator/contract';
import * as msw from '@ringkit/simulator/msw';

// Each line below must be an error: with a type missing from the declarations (or any other
// `any`), it would not be one, and tsc fails on the unused directive.
// @ts-expect-error: a tracer has startSpan
export const notATracer: TracerLike = {};
// @ts-expect-error: the dialer's tracer is typed too
export const notADialerTracer: DialerTracerLike = { startSpan: 1 };
// @ts-expect-error: the scheduler's tracer is typed too
export const notASchedulerTracer: SchedulerTracerLike = { startSpan: 'span' };
// @ts-expect-error: a Telnyx client needs its connection id
export const noConnection = telnyx.createTelnyxClient({ apiKey: 'k', from: '+14155550100' });
/** A Telnyx event's call is its call_control_id, a string. */
export const telnyxCallId = (event: TelnyxStatusEvent): string => event.callId;
// @ts-expect-error: a SignalWire client needs its space
export const noSpace = signalwire.createSignalWireClient({
  projectId: 'p',
  apiToken: 't',
  from: '+14155550100',
});
/** A SignalWire callback's call is its CallSid, a string. */
export const signalWireCallId = (event: SignalWireStatusCallback): string => event.callId;
// @ts-expect-error: a Vonage client signs its requests with the application's private key
export const noKey = vonage.createVonageClient({ applicationId: 'a', from: '+14155550100' });
/** A Vonage event's call is its uuid, a string. */
export const vonageCallId = (event: VonageStatusEvent): string => event.callId;
// @ts-expect-error: ringTimeoutS is a number of seconds
export const badOptions: CallOptions = { ringTimeoutS: '30' };
// @ts-expect-error: a call's status is one word of the vocabulary
export const badStatus: CallStatus = 'dialing';
// @ts-expect-error: a scheduled call is due at a Date
export const badDueAt: ScheduledCall['dueAt'] = '2030-01-01T00:00:00Z';
// @ts-expect-error: a dialer entry's call id is a string or null
export const badCallId: DialerEntry['callId'] = 42;
// @ts-expect-error: a provider places calls
export const notAProvider: CallProvider = { capabilities: {} };
// @ts-expect-error: a store is the whole contract
export const notAStore: Store = {};

// An OpenTelemetry tracer is a tracer for every package.
const tracer: Tracer = trace.getTracer('consumer');
const provider: CallProvider = client.createMockCallApiClient({
  baseUrl: 'http://localhost:5000',
  tracer,
});
export const options: CallOptions = { say: 'Your appointment is tomorrow at 10.', record: false };

export const dialing = dialer.createDialer({
  provider,
  numbers: ['13018040009', { phone: '19842068287', call: options }],
  concurrency: 2,
  tracer,
});
dialing.on('finished', (entry: DialerEntry) => {
  console.log(entry.index, entry.phone, entry.status, entry.callId?.toUpperCase());
});

export const store: Store = memory.createMemoryStore();
export const calls = scheduler.createScheduler({
  store,
  provider,
  callerId: '+14155550100',
  tracer,
});
export async function nextCall(): Promise<Date> {
  const call: ScheduledCall = await calls.schedule({
    to: '+14155552671',
    at: new Date(Date.now() + 60_000),
    call: options,
  });
  return call.dueAt;
}

export const entries = [
  client.toE164,
  status.isTerminal,
  clientTesting.createFakeClock,
  testing.startCallApiSimulator,
  contract.testProvider,
  msw.createCallApiHandlers,
  twilio.createTwilioClient,
  telnyx.createTelnyxClient,
  signalwire.createSignalWireClient,
  vonage.createVonageClient,
  sqlite.createSqliteStore,
  postgres.createPostgresStore,
  storeTesting.testStore,
];
