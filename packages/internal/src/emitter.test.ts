import { describe, expect, it, vi } from 'vitest';
import { createSafeEmitter } from './emitter.js';

type Events = {
  status: { value: number };
  error: { error: unknown; event?: string };
};

const make = () => createSafeEmitter<Events>((error, type) => ({ error, event: String(type) }));

describe('createSafeEmitter', () => {
  it('calls every listener, a wildcard one with the type', () => {
    const emitter = make();
    const one = vi.fn();
    const all = vi.fn();
    emitter.on('status', one);
    emitter.on('*', all);
    emitter.emit('status', { value: 1 });
    expect(one).toHaveBeenCalledWith({ value: 1 });
    expect(all).toHaveBeenCalledWith('status', { value: 1 });
  });

  it('runs the other listeners when one throws, and reports it as an error event', () => {
    const emitter = make();
    const boom = new Error('boom');
    const after = vi.fn();
    const errors: Events['error'][] = [];
    emitter.on('status', () => {
      throw boom;
    });
    emitter.on('status', after);
    emitter.on('error', (event) => errors.push(event));
    emitter.emit('status', { value: 2 });
    expect(after).toHaveBeenCalledOnce();
    expect(errors).toEqual([{ error: boom, event: 'status' }]);
  });

  it('drops what an error listener throws instead of looping', () => {
    const emitter = make();
    emitter.on('error', () => {
      throw new Error('again');
    });
    emitter.on('status', () => {
      throw new Error('first');
    });
    expect(() => emitter.emit('status', { value: 3 })).not.toThrow();
  });

  it('says whether anyone listens', () => {
    const emitter = make();
    expect(emitter.has('status')).toBe(false);
    const handler = () => {};
    emitter.on('status', handler);
    expect(emitter.has('status')).toBe(true);
    emitter.off('status', handler);
    expect(emitter.has('status')).toBe(false);
    emitter.on('*', handler);
    expect(emitter.has('error')).toBe(true);
  });
});
