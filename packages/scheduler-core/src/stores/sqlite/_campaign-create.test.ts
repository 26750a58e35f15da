/**
 * The SQLite store writes a long campaign in short transactions, the loop turning between them,
 * and still shows it whole or not at all: the name is taken once, a failure leaves nothing, and
 * a creation left part-way by a stopped process gives the name up once stale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import type { Store, StoredCall } from '../../store.js';
import { createSqliteStore } from './sqlite.js';
import { storedCall, storedCampaign } from '../../testing/store-contract.js';
import { CREATE_CHUNK, CREATION_STALE_MS } from './_campaign-create.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'ringkit-create-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `${++files}.db`);

/** `n` entries of campaign `id`, their ids marked with `tag`. */
const entries = (id: string, n: number, tag = id): StoredCall[] =>
  Array.from({ length: n }, (_, i) =>
    storedCall({
      id: `${tag}-${i}`,
      campaign: id,
      position: i,
      to: `+1415555${1000 + (i % 9000)}`,
    }),
  );

const campaignOf = (id: string, total: number, fingerprint = 'f') =>
  storedCampaign({ id, total, fingerprint, createdAt: T0, updatedAt: T0 });

/** What a reader sees of campaign `id`. */
async function seen(store: Store, id: string) {
  const campaign = await store.getCampaign!(id);
  const listed = (await store.listCampaigns!({ limit: 100 })).items.map((c) => c.id);
  const claim = await store.claimCampaign!(id, T0, 10, 'w', T0 + 60_000, { holdMs: 1000 });
  return { campaign, listed: listed.includes(id), claimed: claim.calls.length };
}

describe('SQLite: a long campaign written in short transactions', () => {
  it('shows nothing of the campaign until every entry is written, the loop turning meanwhile', async () => {
    const path = newFile();
    const writer = createSqliteStore({ path });
    const reader = createSqliteStore({ path });
    const n = CREATE_CHUNK * 2 + 17;
    let done = false;
    const creating = writer.insertCampaign!(campaignOf('long', n), entries('long', n)).finally(
      () => (done = true),
    );
    const during: Awaited<ReturnType<typeof seen>>[] = [];
    let turns = 0;
    while (!done) {
      // Another request's turn: the same process, and another connection to the file.
      during.push(await seen(writer, 'long'), await seen(reader, 'long'));
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    await creating;
    // Three transactions of entries: the loop turned between them, and nothing showed.
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(during.every((s) => s.campaign === null && !s.listed && s.claimed === 0)).toBe(true);
    const after = await seen(reader, 'long');
    expect(after).toMatchObject({ campaign: { id: 'long', total: n }, listed: true, claimed: 2 });
    expect(await reader.countCampaign!('long')).toEqual({ queued: 2, scheduled: n - 2 });
    await writer.close();
    await reader.close();
  });

  it('lets exactly one of two creations of a name through, whatever their interleaving', async () => {
    for (let round = 0; round < 12; round++) {
      const path = newFile();
      const stores = [createSqliteStore({ path }), createSqliteStore({ path })];
      // Lists of different lengths, so the creations interleave differently each round.
      const sizes = [CREATE_CHUNK * (1 + (round % 3)) + round, CREATE_CHUNK + 3 * round];
      const outcomes = await Promise.allSettled(
        stores.map((store, i) =>
          store.insertCampaign!(
            campaignOf('race', sizes[i]!, `f${i}`),
            entries('race', sizes[i]!, `w${i}-`),
          ),
        ),
      );
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(isConflictError(lost.reason) && lost.reason.reason === 'duplicate').toBe(true);
      const winner = won[0]!;
      const stored = await stores[1 - winner]!.getCampaign!('race');
      expect(stored).toMatchObject({ fingerprint: `f${winner}`, total: sizes[winner] });
      // Only the winner's entries, every one of them.
      const rows = await stores[0]!.listCampaignCalls!('race', { limit: 10_000 });
      expect(rows).toHaveLength(sizes[winner]!);
      expect(rows.every((r) => r.id.startsWith(`w${winner}-`))).toBe(true);
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('leaves nothing when an entry fails part-way, and the name free', async () => {
    const store = createSqliteStore({ path: newFile() });
    const n = CREATE_CHUNK * 2 + 5;
    const list = entries('broken', n);
    // An entry of the second transaction has an id the store holds already.
    await store.insert(storedCall({ id: list[CREATE_CHUNK + 7]!.id }));
    const failed = await store.insertCampaign!(campaignOf('broken', n), list).catch((e) => e);
    expect(isConflictError(failed) && failed.reason === 'duplicate').toBe(true);
    expect(await seen(store, 'broken')).toEqual({ campaign: null, listed: false, claimed: 0 });
    expect(await store.countCampaign!('broken')).toEqual({});
    await store.insertCampaign!(campaignOf('broken', 3), entries('broken', 3, 'again'));
    expect(await store.countCampaign!('broken')).toEqual({ scheduled: 3 });
    await store.close();
  });

  it('takes over a creation left part-way by a stopped process once it is stale, and not before', async () => {
    const path = newFile();
    const store = createSqliteStore({ path });
    // What a process killed mid-creation leaves: the hidden row and a first chunk of entries.
    const left = (lastWrite: number) => {
      const db = new DatabaseSync(path);
      db.exec('BEGIN IMMEDIATE');
      db.prepare(
        `INSERT INTO campaigns (id, state, concurrency, total, fingerprint, settings, next_slot_at,
           created_at, updated_at, version, creating_by, creating_at)
         VALUES ('left', 'running', 2, 900, 'old', '{}', 0, ?, ?, 1, 'dead-process', ?)`,
      ).run(T0, T0, lastWrite);
      db.exec('COMMIT');
      db.close();
    };
    left(Date.now() - 1000);
    await store.insertMany!(entries('left', 400, 'old'));
    const fresh = await store.insertCampaign!(campaignOf('left', 3), entries('left', 3)).catch(
      (e) => e,
    );
    expect(isConflictError(fresh) && fresh.reason === 'duplicate').toBe(true);

    const db = new DatabaseSync(path);
    db.prepare('UPDATE campaigns SET creating_at = ? WHERE id = ?').run(
      Date.now() - CREATION_STALE_MS - 1,
      'left',
    );
    db.close();
    await store.insertCampaign!(campaignOf('left', 3, 'new'), entries('left', 3, 'new'));
    expect(await store.getCampaign!('left')).toMatchObject({ fingerprint: 'new', total: 3 });
    const rows = await store.listCampaignCalls!('left', { limit: 1000 });
    expect(rows.map((r) => r.id)).toEqual(['new-0', 'new-1', 'new-2']);
    await store.close();
  });
});
