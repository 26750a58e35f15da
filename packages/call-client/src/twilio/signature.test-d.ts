import { describe, expectTypeOf, it } from 'vitest';
import { verifyTwilioSignature, type VerifyTwilioSignatureInput } from './signature.js';
import type { TwilioWebhookRequest } from './webhook.js';

const base = { authToken: 'token', url: 'https://app.example/hook', signature: 'sig' };

describe('types', () => {
  it('takes form parameters or a raw body', () => {
    expectTypeOf({ ...base, params: { CallSid: 'CA1' } }).toExtend<VerifyTwilioSignatureInput>();
    expectTypeOf({ ...base, body: '{}' }).toExtend<VerifyTwilioSignatureInput>();
    expectTypeOf(verifyTwilioSignature).returns.toEqualTypeOf<boolean>();
  });

  it('refuses both parameters and a body, or neither', () => {
    // @ts-expect-error: one or the other
    verifyTwilioSignature({ ...base, params: {}, body: '{}' });
    // @ts-expect-error: one or the other
    verifyTwilioSignature(base);
    // @ts-expect-error: the raw body is a string
    verifyTwilioSignature({ ...base, body: { CallSid: 'CA1' } });
  });

  it('gives the webhook handler form parameters or a raw JSON body', () => {
    expectTypeOf({
      url: 'u',
      signature: undefined,
      params: 'a=1',
    }).toExtend<TwilioWebhookRequest>();
    expectTypeOf({ url: 'u', signature: undefined, body: '{}' }).toExtend<TwilioWebhookRequest>();
    expectTypeOf({
      url: 'u',
      signature: undefined,
      params: 'a=1',
      body: '{}',
    }).not.toExtend<TwilioWebhookRequest>();
  });
});
