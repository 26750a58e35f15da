import { createFakeProvider } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { TIME_LIMIT_ROOM_S, timeLimitFor, withTimeLimit } from './time-limit.js';

const TO = '+14155552671';

describe("a campaign call's time limit", () => {
  it('ends a call at the provider five minutes before the default call timeout of one hour', () => {
    const { DIALER_CALL_TIMEOUT_MS } = loadConfig({});
    expect(DIALER_CALL_TIMEOUT_MS).toBe(3_600_000);
    expect(timeLimitFor(DIALER_CALL_TIMEOUT_MS)).toBe(3_600 - TIME_LIMIT_ROOM_S);
  });

  it('sends no limit when the timeout leaves no room for a minute of talk', () => {
    expect(timeLimitFor(3_000)).toBeUndefined();
    expect(timeLimitFor((TIME_LIMIT_ROOM_S + 59) * 1000)).toBeUndefined();
    expect(timeLimitFor((TIME_LIMIT_ROOM_S + 60) * 1000)).toBe(60);
  });

  it('is sent with every call that gives none, by a provider that honours it', async () => {
    const provider = createFakeProvider({ callOptions: ['timeLimitS', 'say'] });
    const limited = withTimeLimit(provider, 3_300);
    await limited.placeCall({ to: TO, say: 'Hello' });
    await limited.placeCall({ to: TO, timeLimitS: 60 });
    expect(provider.placed.map((p) => p.request)).toEqual([
      { to: TO, say: 'Hello', timeLimitS: 3_300 },
      { to: TO, timeLimitS: 60 },
    ]);
    expect(limited.capabilities).toBe(provider.capabilities);
    expect(limited.name).toBe(provider.name);
  });

  it('is not sent to a provider that honours no time limit (the practice APIs), nor when there is none', async () => {
    const practice = createFakeProvider();
    expect(withTimeLimit(practice, 3_300)).toBe(practice);
    await practice.placeCall({ to: TO });
    expect(practice.placed.map((p) => p.request)).toEqual([{ to: TO }]);
    const honours = createFakeProvider({ callOptions: ['timeLimitS'] });
    expect(withTimeLimit(honours, undefined)).toBe(honours);
  });
});
