import type { CallEndpoint, ConnectAction, TransferCallParameters } from '@vonage/voice';
import { describe, expectTypeOf, it } from 'vitest';
import type { VonageConnectAction, VonageConnectEndpoint, VonageTransferBody } from './_connect.js';

describe('the transfers against the official @vonage/voice types', () => {
  it('writes endpoints of the official CallEndpoint', () => {
    expectTypeOf<VonageConnectEndpoint>().toExtend<CallEndpoint>();
  });

  it('writes a connect whose every field is the official ConnectAction’s, of its type', () => {
    expectTypeOf<Omit<VonageConnectAction, 'action'>>().toExtend<Omit<ConnectAction, 'action'>>();
    expectTypeOf<`${ConnectAction['action']}`>().toEqualTypeOf<VonageConnectAction['action']>();
  });

  it('writes a transfer to an NCCO as the official TransferCallParameters', () => {
    expectTypeOf<VonageTransferBody['action']>().toEqualTypeOf<TransferCallParameters['action']>();
    expectTypeOf<VonageTransferBody['destination']['type']>().toEqualTypeOf<
      TransferCallParameters['destination']['type']
    >();
    expectTypeOf<keyof VonageTransferBody['destination']>().toEqualTypeOf<'type' | 'ncco'>();
  });
});
