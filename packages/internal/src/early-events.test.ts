import { describe, expect, it } from 'vitest';
import { EarlyEventBuffer } from './early-events.js';

const statusEvent = (callId: string, status: string) => ({ callId, status });

function setup(max = 10, ttlMs = 1000) {
  let now = 0;
  const buffer = new EarlyEventBuffer<{ callId: string; status: string }>(max, ttlMs, () => now);
  return { buffer, tick: (ms: number) => (now += ms) };
}

describe('EarlyEventBuffer', () => {
  it('hands back the events of an id in arrival order, once', () => {
    const { buffer } = setup();
    buffer.add(statusEvent('a', 'answered'));
    buffer.add(statusEvent('b', 'ringing'));
    buffer.add(statusEvent('a', 'ringing'));
    expect(buffer.take('a').map((event) => event.status)).toEqual(['answered', 'ringing']);
    expect(buffer.take('a')).toEqual([]);
    expect(buffer.size).toBe(1);
  });

  it('drops the oldest events beyond max', () => {
    const { buffer } = setup(2);
    buffer.add(statusEvent('a', 'ringing'));
    buffer.add(statusEvent('a', 'answered'));
    buffer.add(statusEvent('b', 'ringing'));
    expect(buffer.size).toBe(2);
    expect(buffer.take('a').map((event) => event.status)).toEqual(['answered']);
    expect(buffer.take('b')).toHaveLength(1);
  });

  it('drops the events of an id older than ttlMs', () => {
    const { buffer, tick } = setup(10, 1000);
    buffer.add(statusEvent('a', 'ringing'));
    tick(600);
    buffer.add(statusEvent('b', 'ringing'));
    tick(401);
    expect(buffer.take('a')).toEqual([]);
    expect(buffer.take('b')).toHaveLength(1);
    buffer.add(statusEvent('c', 'ringing'));
    tick(1001);
    buffer.add(statusEvent('d', 'ringing'));
    expect(buffer.size).toBe(1);
  });

  it('keeps nothing when max is 0, and nothing after clear', () => {
    const { buffer } = setup(0);
    expect(buffer.add(statusEvent('a', 'ringing'))).toBe(false);
    const other = setup().buffer;
    other.add(statusEvent('a', 'ringing'));
    other.clear();
    expect(other.size).toBe(0);
    expect(other.take('a')).toEqual([]);
  });
});
