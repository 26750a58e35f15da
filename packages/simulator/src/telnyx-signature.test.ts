import { generateKeyPairSync } from 'node:crypto';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { publicKeyOf } from './_telnyx-keys.js';
import { startCallApiSimulator } from './simulator.js';
import { signTelnyxWebhook } from './telnyx-signature.js';

function keyPair() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  return { privateKey, der, publicKey: publicKeyOf(privateKey) };
}

const rawBody = JSON.stringify({ data: { event_type: 'call.hangup', payload: {} } });

describe('signTelnyxWebhook', () => {
  it('signs a body so that the official TelnyxWebhook accepts it, given either key form', async () => {
    const { privateKey, der, publicKey } = keyPair();
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const verifier = new TelnyxWebhook(publicKey);
    for (const key of [der, privateKey]) {
      const headers = signTelnyxWebhook({ privateKey: key, rawBody });
      expect(headers['content-type']).toBe('application/json');
      expect(Number(headers['telnyx-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
      await verifier.verify(rawBody, { ...headers });
      await expect(verifier.verify(`${rawBody} `, { ...headers })).rejects.toThrow(/signature/i);
    }
  });

  it('signs the timestamp it is given, which a verifier refuses once too old', async () => {
    const { der, publicKey } = keyPair();
    const old = Math.floor(Date.now() / 1000) - 600;
    const headers = signTelnyxWebhook({ privateKey: der, rawBody, timestamp: old });
    expect(headers['telnyx-timestamp']).toBe(String(old));
    await expect(new TelnyxWebhook(publicKey).verify(rawBody, { ...headers })).rejects.toThrow(
      /timestamp/i,
    );
  });

  it('refuses a key that is not an Ed25519 private key with an InvalidOptionsError', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    for (const privateKey of [
      'not a key',
      rsa,
      keyPair().privateKey.export({ format: 'pem', type: 'pkcs8' }),
    ]) {
      let error: unknown;
      try {
        signTelnyxWebhook({ privateKey: privateKey as string, rawBody });
      } catch (caught) {
        error = caught;
      }
      expect(isInvalidOptionsError(error)).toBe(true);
      expect((error as Error).message).toContain('privateKey');
    }
  });
});

describe('the Telnyx flavour signing key', () => {
  it('signs with the telnyxSigningKey given, whose public half is the publicKey', async () => {
    const { der, publicKey } = keyPair();
    const sim = await startCallApiSimulator({ flavour: 'telnyx', telnyxSigningKey: der });
    await sim.close();
    expect(sim.publicKey).toBe(publicKey);
  });

  it('makes a key of its own for each simulator, and none for the other flavours', async () => {
    const [a, b, twilio] = await Promise.all([
      startCallApiSimulator({ flavour: 'telnyx' }),
      startCallApiSimulator({ flavour: 'telnyx' }),
      startCallApiSimulator({ flavour: 'twilio' }),
    ]);
    await Promise.all([a.close(), b.close(), twilio.close()]);
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(twilio).not.toHaveProperty('publicKey');
  });

  it.each([
    [{ flavour: 'telnyx', telnyxSigningKey: 'nope' }, 'telnyxSigningKey must be an Ed25519'],
    [{ flavour: 'twilio', telnyxSigningKey: keyPair().der }, 'does not apply to the twilio'],
    [{ flavour: 'polling', telnyx: { apiKey: 'k', connectionId: '1' } }, 'telnyx does not apply'],
    [
      { flavour: 'telnyx', telnyx: { apiKey: 'k', connectionId: '1', publicKey: 'x' } },
      'publicKey is not an option',
    ],
    [{ flavour: 'telnyx', telnyx: { apiKey: '', connectionId: '1' } }, 'apiKey must not be empty'],
    [{ flavour: 'telnyx', callsPerSecond: 1 }, 'callsPerSecond does not apply'],
    [{ flavour: 'telnyx', deliverStatusCallback: async () => {} }, 'deliverStatusCallback'],
    [{ flavour: 'webhook', deliverTelnyxWebhook: async () => {} }, 'deliverTelnyxWebhook'],
  ])('refuses %j', async (options, says) => {
    const error = await startCallApiSimulator(options as never).catch((e: unknown) => e);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain(says);
  });
});
