import { describe, expect, it, vi } from 'vitest';

// Importing msw from anywhere under `./testing` fails this file: the entry must load without it.
vi.mock('msw', () => {
  throw new Error('msw was loaded');
});
vi.mock('msw/node', () => {
  throw new Error('msw/node was loaded');
});

describe('@ringkit/simulator', () => {
  it('loads the simulator and the fault gateway without msw installed', async () => {
    const testing = await import('./index.js');
    expect(typeof testing.startCallApiSimulator).toBe('function');
    expect(typeof testing.startFaultGateway).toBe('function');
    expect(Object.keys(testing)).not.toContain('createCallApiHandlers');
  });

  it('keeps the MSW handlers in their own entry', async () => {
    await expect(import('./msw.js')).rejects.toThrow(/mock/);
  });
});
