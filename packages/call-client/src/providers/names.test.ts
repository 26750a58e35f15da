/**
 * A client's `name` is the provider its calls are placed through, as a store names each call:
 * the kind by default, or the one it is given (two accounts of one kind are two providers).
 */
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import { createTelnyxClient } from '../telnyx/index.js';
import { createTwilioClient } from '../twilio/index.js';
import { createVonageClient } from '../vonage/index.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';
import { options as twilioOptions } from '../../test/twilio-fixtures.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';

const webhookUrl = 'http://localhost:4000/webhooks/dialer/x';
const telnyx = {
  apiKey: 'KEY',
  connectionId: 'conn-1',
  from: '+14155550100',
  webhookUrl: 'https://app.example/webhooks/telnyx',
};

const clients = [
  [
    'createMockCallApiClient',
    'mock-call-api',
    (name?: string) => createMockCallApiClient(name === undefined ? {} : { name }),
  ],
  [
    'createNumDialerClient',
    'num-dialer',
    (name?: string) =>
      createNumDialerClient({ webhookUrl, ...(name === undefined ? {} : { name }) }),
  ],
  [
    'createTwilioClient',
    'twilio',
    (name?: string) => createTwilioClient(twilioOptions(name === undefined ? {} : { name })),
  ],
  [
    'createTelnyxClient',
    'telnyx',
    (name?: string) => createTelnyxClient({ ...telnyx, ...(name === undefined ? {} : { name }) }),
  ],
  [
    'createVonageClient',
    'vonage',
    (name?: string) =>
      createVonageClient({
        applicationId: 'app-1',
        privateKey: APPLICATION_KEYS.privateKey,
        from: '+14155550100',
        ...(name === undefined ? {} : { name }),
      }),
  ],
] as const;

describe('a client’s name', () => {
  it.each(clients)(
    '%s is named after its kind by default, else as given',
    (_what, kind, create) => {
      expect(create().name).toBe(kind);
      expect(create('eu:account-2.b_1').name).toBe('eu:account-2.b_1');
    },
  );

  it.each(clients)(
    '%s refuses an empty, long or odd name, naming the option',
    (_what, _kind, create) => {
      for (const bad of ['', 'x'.repeat(65), 'has space', 'é', 'a/b']) {
        let error: unknown;
        try {
          create(bad);
        } catch (caught) {
          error = caught;
        }
        expect(isInvalidOptionsError(error), bad).toBe(true);
        expect(JSON.stringify((error as { issues: unknown }).issues)).toContain('name');
      }
    },
  );
});
