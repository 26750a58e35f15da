import type { CallStatusEvent, WebhookHandlerOptions } from '@ringkit/call-client';
import { describe, expectTypeOf, it } from 'vitest';
import { manualProvider } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type {
  DialerEntry,
  DialerEntryStatus,
  DialerErrorEvent,
  DialerPlacementEvent,
  DialerSnapshot,
  DialerStatusEvent,
  LeaseWait,
} from './types.js';

const dialer = createDialer({ provider: manualProvider(), numbers: ['+14155552671'] });

describe('types', () => {
  it('types each event by its name', () => {
    dialer.on('status', (event) => expectTypeOf(event).toEqualTypeOf<DialerStatusEvent>());
    dialer.on('finished', (entry) => expectTypeOf(entry).toEqualTypeOf<DialerEntry>());
    dialer.on('error', (event) => expectTypeOf(event).toEqualTypeOf<DialerErrorEvent>());
    dialer.on('placement', (event) => expectTypeOf(event).toEqualTypeOf<DialerPlacementEvent>());
    dialer.on('*', (type) =>
      expectTypeOf(type).toEqualTypeOf<
        | 'dialing'
        | 'placement'
        | 'status'
        | 'finished'
        | 'progress'
        | 'drained'
        | 'connected'
        | 'abandoned'
        | 'error'
      >(),
    );
    // @ts-expect-error: not an event of the dialer
    dialer.on('ringing', () => {});
  });

  it('plugs handleStatus straight into a webhook handler', () => {
    expectTypeOf(dialer.handleStatus).toExtend<WebhookHandlerOptions['onEvent']>();
    expectTypeOf(dialer.handleStatus).parameter(0).toEqualTypeOf<CallStatusEvent>();
  });

  it('describes the snapshot', () => {
    expectTypeOf(dialer.snapshot()).toEqualTypeOf<DialerSnapshot>();
    expectTypeOf<DialerSnapshot['state']>().toEqualTypeOf<'idle' | 'running' | 'paused' | 'done'>();
    expectTypeOf<DialerEntryStatus>().toExtend<string>();
    // Present only while a durable campaign's entries wait out another worker's lease.
    expectTypeOf<DialerSnapshot['leaseWait']>().toEqualTypeOf<LeaseWait | undefined>();
    expectTypeOf<LeaseWait>().toEqualTypeOf<{ entries: number; until: Date }>();
  });
});
