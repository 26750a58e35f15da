/**
 * The tests' ports: each handed out once while it may be in use, by this run and by a second
 * test run at the same time (the notes in `PORT_NOTES`).
 */
import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, notePort, PORT_NOTES } from './_test-ports.js';

describe('freePort', () => {
  it('hands out a port below the kernel’s range, noted as handed out', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_100);
    expect(port).toBeLessThan(32_768);
    expect(existsSync(join(PORT_NOTES, String(port)))).toBe(true);
    // Another worker or run asking for it now is refused.
    expect(await notePort(port)).toBe(false);
  });

  it('hands out distinct ports to many asking at once', async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('notes a port once, and takes over a note older than any test holds a port', async () => {
    const port = 10_100 + Math.floor(Math.random() * 1000);
    const note = join(PORT_NOTES, String(port));
    await notePort(port);
    expect(await notePort(port)).toBe(false);
    const old = new Date(Date.now() - 16 * 60_000);
    await utimes(note, old, old);
    expect(await notePort(port)).toBe(true);
    expect(await notePort(port)).toBe(false);
  });
});
