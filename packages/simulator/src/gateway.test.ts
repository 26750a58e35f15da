import { afterEach, describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { startFaultGateway, type FaultGateway } from './gateway.js';
import { startCallApiSimulator, type CallApiSimulator } from './simulator.js';

let sim: CallApiSimulator | undefined;
let gateway: FaultGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await sim?.close();
  gateway = undefined;
  sim = undefined;
});

async function setUp(fault: Parameters<typeof startFaultGateway>[0]['fault']) {
  sim = await startCallApiSimulator({ flavour: 'polling', stepMs: [50, 50] });
  gateway = await startFaultGateway({ target: sim.url, fault });
  return { sim, gateway };
}

const place = (url: string) =>
  fetch(`${url}/api/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: '+14155552671' }),
  });

describe('startFaultGateway', () => {
  it('passes requests through unchanged without a fault', async () => {
    const { sim, gateway } = await setUp(null);
    const response = await place(gateway.url);
    expect(response.status).toBeLessThan(300);
    const call = (await response.json()) as { id: string };
    const read = await fetch(`${gateway.url}/api/call/${call.id}`);
    expect(((await read.json()) as { id: string }).id).toBe(call.id);
    expect(sim.calls()).toHaveLength(1);
    expect(gateway.forwarded).toBe(2);
  });

  it('answers the fault status while the provider still creates the call', async () => {
    const { sim, gateway } = await setUp({ status: 504, afterMs: 20 });
    const response = await place(gateway.url);
    expect(response.status).toBe(504);
    await expect.poll(() => sim.calls().length).toBe(1);
  });

  it('resets the connection after forwarding the request', async () => {
    const { sim, gateway } = await setUp({ reset: true, afterMs: 20 });
    await expect(place(gateway.url)).rejects.toThrow();
    await expect.poll(() => sim.calls().length).toBe(1);
  });

  it('relays the answer late when told to delay it', async () => {
    const { sim, gateway } = await setUp({ delayMs: 400 });
    const pending = place(gateway.url);
    await expect.poll(() => sim.calls().length).toBe(1);
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    expect((await pending).status).toBeLessThan(300);
  });

  it('applies the fault to POSTs only unless told otherwise, and can change it', async () => {
    const { gateway } = await setUp({ status: 502 });
    const created = await fetch(`${sim!.url}/api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: '+14155552671' }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${gateway.url}/api/call/${id}`)).status).toBe(200);
    expect((await place(gateway.url)).status).toBe(502);
    gateway.setFault(null);
    expect((await place(gateway.url)).status).toBeLessThan(300);
  });

  it('refuses bad options with InvalidOptionsError', async () => {
    await expect(startFaultGateway({ target: 'not a url' })).rejects.toSatisfy(
      isInvalidOptionsError,
    );
    const { gateway } = await setUp(null);
    expect(() => gateway.setFault({ status: 42 })).toThrow(/status/);
  });
});
