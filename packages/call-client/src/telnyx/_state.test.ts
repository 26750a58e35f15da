import { describe, expect, it } from 'vitest';
import {
  decodeClientState,
  decodeInboundState,
  encodeClientState,
  encodeInboundState,
  type ClientState,
  type InboundState,
} from './_state.js';

const base64Json = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

describe('encodeClientState and decodeClientState', () => {
  it.each<[string, ClientState]>([
    ['a placement alone', { placementId: 'pl-1' }],
    ['a placement and its say', { placementId: 'pl-2', say: 'Your table is ready.' }],
    [
      'a placement that waits for the greeting',
      { placementId: 'pl-3', say: 'Bonjour, ici la clinique ☎ 😀', waitForGreeting: true },
    ],
  ])('round-trips %s', (_, state) => {
    const encoded = encodeClientState(state);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeClientState(encoded)).toEqual(state);
  });

  it('writes nothing for waitForGreeting: false, and reads it back as absent', () => {
    const encoded = encodeClientState({ placementId: 'pl-1', waitForGreeting: false });
    expect(encoded).toBe(encodeClientState({ placementId: 'pl-1' }));
    expect(decodeClientState(encoded)).toEqual({ placementId: 'pl-1' });
  });

  it('keeps the state small: short keys in the JSON', () => {
    const encoded = encodeClientState({ placementId: 'pl-1', say: 'Hi', waitForGreeting: true });
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual({
      rk: 1,
      p: 'pl-1',
      s: 'Hi',
      g: 1,
    });
  });

  it.each([
    ["another app's JSON", base64Json({ orderId: 42 })],
    ['another version of ours', base64Json({ rk: 2, p: 'pl-1' })],
    ['ours with a key we do not know', base64Json({ rk: 1, p: 'pl-1', x: 1 })],
    ['ours without a placement', base64Json({ rk: 1, s: 'Hi' })],
    ['ours with an empty placement', base64Json({ rk: 1, p: '' })],
    ['ours with an empty say', base64Json({ rk: 1, p: 'pl-1', s: '' })],
    ['ours with g other than 1', base64Json({ rk: 1, p: 'pl-1', g: true })],
    ['a JSON array', base64Json([1, 'pl-1'])],
    ['plain text in base64', Buffer.from('hello, telnyx').toString('base64')],
    ['text that is not base64', 'not base64!'],
    [
      'the URL-safe alphabet',
      base64Json({ rk: 1, p: 'pl-1??>' }).replace(/\+/g, '-').replace(/\//g, '_'),
    ],
    ['an empty string', ''],
    ['an over-long string', 'A'.repeat(16_388)],
  ])('reads %s as no state of ours', (_, value) => {
    expect(decodeClientState(value)).toBeUndefined();
  });

  it.each([undefined, null, 42, { rk: 1, p: 'pl-1' }])(
    'reads a client_state of %s as no state of ours',
    (value) => {
      expect(decodeClientState(value)).toBeUndefined();
    },
  );
});

describe('encodeInboundState and decodeInboundState', () => {
  const ringing: InboundState = {
    callId: 'v3:caller-leg',
    from: '+14155552671',
    to: '+14155550100',
    step: 'forward',
  };

  it.each<[string, InboundState]>([
    ['a forward ringing', ringing],
    ['a forward picked up', { ...ringing, bridgedAtMs: Date.parse('2026-11-25T10:00:03.250Z') }],
    ['a voicemail', { ...ringing, step: 'voicemail' }],
    ['a rejected call', { ...ringing, step: 'reject' }],
    ['a caller without a number', { ...ringing, from: '' }],
  ])('round-trips %s', (_, state) => {
    const encoded = encodeInboundState(state);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeInboundState(encoded)).toEqual(state);
  });

  it('keeps the state small: short keys in the JSON', () => {
    const encoded = encodeInboundState({ ...ringing, bridgedAtMs: 5 });
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual({
      rk: 1,
      i: 'forward',
      c: 'v3:caller-leg',
      f: '+14155552671',
      t: '+14155550100',
      b: 5,
    });
  });

  it("keeps a dial's state and an inbound call's apart: each reads as none of the other", () => {
    const dial = encodeClientState({ placementId: 'pl-1', say: 'Hi' });
    const inbound = encodeInboundState(ringing);
    expect(decodeInboundState(dial)).toBeUndefined();
    expect(decodeClientState(inbound)).toBeUndefined();
  });

  it('reads a dial state written before inbound calls existed exactly as before', () => {
    // `{"rk":1,"p":"pl-1","s":"Hi","g":1}`, as the first Telnyx release wrote it.
    const written = 'eyJyayI6MSwicCI6InBsLTEiLCJzIjoiSGkiLCJnIjoxfQ==';
    expect(decodeClientState(written)).toEqual({
      placementId: 'pl-1',
      say: 'Hi',
      waitForGreeting: true,
    });
    expect(encodeClientState({ placementId: 'pl-1', say: 'Hi', waitForGreeting: true })).toBe(
      written,
    );
  });

  const wire = { rk: 1, i: 'voicemail', c: 'v3:a', f: '+1', t: '+2' };
  it.each([
    ['keys of both kinds', { ...wire, p: 'pl-1' }],
    ['a step we do not know', { ...wire, i: 'queue' }],
    ['no call id', { ...wire, c: undefined }],
    ['an empty call id', { ...wire, c: '' }],
    ['no caller', { ...wire, f: undefined }],
    ['a key we do not know', { ...wire, x: 1 }],
    ['a bridge time that is not whole milliseconds', { ...wire, b: 1.5 }],
    ['a negative bridge time', { ...wire, b: -1 }],
    ['a bridge time as text', { ...wire, b: '2026-11-25T10:00:00Z' }],
    ['another version', { ...wire, rk: 2 }],
  ])('reads an inbound state with %s as no state of ours', (_, value) => {
    expect(decodeInboundState(base64Json(value))).toBeUndefined();
    expect(decodeClientState(base64Json(value))).toBeUndefined();
  });
});
