import { describe, expectTypeOf, it } from 'vitest';
import {
  createSignalWireClient,
  verifySignalWireSignature,
  type SignalWireClientOptions,
  type VerifySignalWireSignatureInput,
} from './index.js';

const base = { signingKey: 'PSK_key', url: 'https://app.example/hook', signature: 'sig' };

describe('types', () => {
  it('takes form parameters or a raw body, under a signing key', () => {
    expectTypeOf({ ...base, params: { CallSid: 'x' } }).toExtend<VerifySignalWireSignatureInput>();
    expectTypeOf({ ...base, body: '{}' }).toExtend<VerifySignalWireSignatureInput>();
    expectTypeOf(verifySignalWireSignature).returns.toEqualTypeOf<boolean>();
  });

  it("refuses both parameters and a body, neither, or Twilio's authToken", () => {
    // @ts-expect-error: one or the other
    verifySignalWireSignature({ ...base, params: {}, body: '{}' });
    // @ts-expect-error: one or the other
    verifySignalWireSignature(base);
    // @ts-expect-error: SignalWire's key is the signing key
    verifySignalWireSignature({ authToken: 'token', url: base.url, signature: 'sig', params: {} });
  });

  it('needs the space, the project and its token', () => {
    const options = {
      spaceUrl: 'example.signalwire.com',
      projectId: 'p',
      apiToken: 't',
      from: '+1',
    };
    expectTypeOf(options).toExtend<SignalWireClientOptions>();
    // @ts-expect-error: no API token
    createSignalWireClient({ spaceUrl: 'example.signalwire.com', projectId: 'p', from: '+1' });
  });
});
