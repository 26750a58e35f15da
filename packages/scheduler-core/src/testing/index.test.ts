import { createFakeClock as callClientFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from './index.js';

describe('@ringkit/scheduler-core/testing', () => {
  it('keeps createFakeClock, deprecated, as the very one of @ringkit/call-client/testing', () => {
    expect(createFakeClock).toBe(callClientFakeClock);
    const clock = createFakeClock(1000);
    expect(clock.now()).toBe(1000);
  });
});
