/** The checks of a world against its read-back: every property of a run. */
import type { DialerEntry } from '../../src/types.js';
import type { ReadBack } from './read-back.js';
import { NAMES } from './scenario.js';
import type { World } from './world.js';

/** Positions that break strictly increasing order, as `previous → next`. */
function descents(order: number[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < order.length; i += 1) {
    if (order[i]! <= order[i - 1]!) out.push(`${order[i - 1]} → ${order[i]}`);
  }
  return out;
}

/** The most lower positions placed after a higher one (each was claimed, live, by then). */
function overtaken(order: number[]): number {
  let worst = 0;
  order.forEach((q, i) => {
    worst = Math.max(worst, order.slice(i + 1).filter((p) => p < q).length);
  });
  return worst;
}

/** What an ended entry says of itself, as a fact reports it. */
const endOf = (entry: DialerEntry) => ({
  status: entry.status,
  callId: entry.callId,
  attempts: entry.attempts,
  endedAt: entry.endedAt?.getTime() ?? null,
});

/** Every property of a run, as a list of what broke (empty when none did). */
export function check(world: World, final: Map<string, ReadBack>): string[] {
  const { facts, ledger } = world;
  const problems = [...facts.problems];
  const fail = (text: string) => problems.push(text);

  for (const call of ledger.calls) {
    if (call.campaign === null) fail(`rang ${call.to}, a number of no list`);
  }

  NAMES.forEach((name, k) => {
    const back = final.get(name);
    const creates = facts.creates.filter((c) => c.campaign === name);
    const resolved = creates.filter((c) => c.outcome === 'resolved');
    for (const c of creates) {
      if (c.outcome === 'error') fail(`${c.by} create ${name}: ${c.error}`);
    }
    // Exactly one create per name resolved, and the campaign stored is the one it resolved to.
    if (resolved.length > 1) {
      fail(
        `${name}: ${resolved.length} creates resolved (${resolved.map((c) => c.by).join(', ')})`,
      );
    }
    if (!back) {
      if (resolved.length > 0) fail(`${name}: a create resolved, but nothing is stored`);
      for (const c of creates) {
        if (c.outcome === 'exists')
          fail(`${name}: ${c.by} was told it exists, but nothing is stored`);
      }
      for (const v of facts.views)
        if (v.campaign === name) fail(`${name}: reported (${v.how}), never stored`);
      for (const c of ledger.calls)
        if (c.campaign === name) fail(`${name}: rang ${c.to}, never stored`);
      return;
    }
    const { row, view, snapshot, results } = back;
    const entries = snapshot.entries;
    const phones = entries.map((e) => e.phone);
    const winner = resolved[0];
    if (winner) {
      if (winner.view?.campaign.total !== row.total || row.total !== entries.length) {
        fail(
          `${name}: create resolved with total ${winner.view?.campaign.total}, stored ${row.total}, read ${entries.length}`,
        );
      }
      if (JSON.stringify(phones) !== JSON.stringify(world.listOf(k, winner.variant))) {
        fail(
          `${name}: stored ${JSON.stringify(phones)}, the create that resolved gave list ${winner.variant}`,
        );
      }
      const created = facts.views.filter((v) => v.campaign === name && v.how === 'created');
      if (created.length !== 1 || created[0]!.by !== winner.by) {
        fail(
          `${name}: created told by ${JSON.stringify(created.map((v) => v.by))}, resolved in ${winner.by}`,
        );
      }
    } else {
      const cut = creates.filter(
        (c) =>
          c.outcome === 'interrupted' &&
          JSON.stringify(world.listOf(k, c.variant)) === JSON.stringify(phones),
      );
      if (cut.length === 0)
        fail(`${name}: stored, but no create resolved nor was cut short with its list`);
    }

    // The read-back agrees with itself, and everything has ended.
    const rest = (entry: DialerEntry) => JSON.stringify(entry);
    if (JSON.stringify(results.map(rest)) !== JSON.stringify(entries.map(rest))) {
      const differ = entries
        .map((e, i) => [rest(e), results[i] ? rest(results[i]) : 'none'])
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => `snapshot ${a}, results ${b}`);
      fail(`${name}: results() and snapshot() differ: ${differ.join('; ')}`);
    }
    if (view.state !== 'done' && view.state !== 'stopped') fail(`${name}: read back ${view.state}`);
    for (const e of entries)
      if (e.endedAt === null) fail(`${name} #${e.index}: not ended (${e.status})`);

    // Nobody rung twice: each entry placed at most maxAttempts times, as many as it counts (an
    // entry whose placement's outcome is unknown may count one its POST never made).
    const maxAttempts = Number(row.settings['maxAttempts']);
    const calls = ledger.calls.filter((c) => c.campaign === name);
    const rings = new Map<string, number>();
    for (const c of calls) {
      if (!phones.includes(c.to))
        fail(`${name}: rang ${c.to} (by ${c.worker}), not on the stored list`);
      rings.set(c.to, (rings.get(c.to) ?? 0) + 1);
    }
    for (const e of entries) {
      const n = rings.get(e.phone) ?? 0;
      const unknown = e.error?.reason === 'outcome_unknown';
      if (n > maxAttempts) fail(`${name} #${e.index}: rung ${n} times, maxAttempts ${maxAttempts}`);
      if (unknown ? n !== e.attempts && n !== e.attempts - 1 : n !== e.attempts) {
        fail(`${name} #${e.index}: rung ${n} times, reads ${e.attempts} attempts (${e.status})`);
      }
      if (
        maxAttempts === 1 &&
        n !== 1 &&
        !unknown &&
        !(e.status === 'canceled' && e.attempts === 0)
      ) {
        fail(
          `${name} #${e.index}: rung ${n} times with maxAttempts 1, not stopped before its turn (${e.status})`,
        );
      }
    }

    // The cap, across workers, at the provider.
    const maxLive = ledger.maxLive.get(name) ?? 0;
    if (maxLive > row.concurrency)
      fail(`${name}: ${maxLive} calls live at once, concurrency ${row.concurrency}`);

    // Order: first attempts leave in list order, in each worker (entries claimed again once a
    // lease ran out aside) and across workers (overtaken only by entries claimed, under the cap).
    const claimed = new Map<string, number>();
    for (const c of facts.claims) {
      if (c.campaign === name && c.attempt === 1) claimed.set(c.to, (claimed.get(c.to) ?? 0) + 1);
    }
    const firsts: { to: string; worker: string; position: number }[] = [];
    const seen = new Set<string>();
    for (const c of calls) {
      if (seen.has(c.to)) continue;
      seen.add(c.to);
      if ((claimed.get(c.to) ?? 0) > 1) continue;
      const position = phones.indexOf(c.to);
      if (position >= 0) firsts.push({ to: c.to, worker: c.worker, position });
    }
    for (const worker of new Set(firsts.map((f) => f.worker))) {
      const order = firsts.filter((f) => f.worker === worker).map((f) => f.position);
      const broken = descents(order);
      if (broken.length > 0)
        fail(`${name}: ${worker} placed first attempts out of order: ${broken.join(', ')}`);
    }
    const worst = overtaken(firsts.map((f) => f.position));
    if (worst > row.concurrency - 1) {
      fail(
        `${name}: an entry was overtaken by ${worst} lower ones, concurrency ${row.concurrency}`,
      );
    }

    // Every reported fact stays true.
    for (const f of facts.entries) {
      if (f.campaign !== name) continue;
      const e = entries[f.index];
      if (!e) {
        fail(`${name} #${f.index}: reported by ${f.by} (${f.how}), not in the read-back`);
        continue;
      }
      const now = endOf(e);
      const then = {
        status: f.status,
        callId: f.callId,
        attempts: f.attempts,
        endedAt: f.endedAt ?? now.endedAt,
      };
      if (JSON.stringify(now) !== JSON.stringify(then)) {
        fail(
          `${name} #${f.index}: ${f.by} reported (${f.how}) ${JSON.stringify(then)}, reads ${JSON.stringify(now)}`,
        );
      }
    }
    // A stop checks that some entry is still live (in the store), then writes the campaign
    // stopped: an entry that ends between the two lets one worker report done and the stop be
    // taken after it. Only there (a stop was taken) may done read as stopped; the progress
    // reported is checked all the same.
    const stopTaken =
      view.state === 'stopped' &&
      facts.actions.some(
        (a) =>
          a.campaign === name && a.kind === 'stop' && (a.outcome === 'ok' || a.outcome === 'gone'),
      );
    for (const f of facts.views) {
      if (f.campaign !== name) continue;
      if (f.state === 'done' || f.state === 'stopped') {
        if (view.state !== f.state && !(f.state === 'done' && stopTaken))
          fail(`${name}: ${f.by} reported it ${f.state} (${f.how}), it reads ${view.state}`);
      }
      if (f.state === 'done' && f.view) {
        if (JSON.stringify(f.view.progress) !== JSON.stringify(view.progress)) {
          fail(
            `${name}: ${f.by} reported done (${f.how}) with ${JSON.stringify(f.view.progress)}, reads ${JSON.stringify(view.progress)}`,
          );
        }
      }
      if (!f.view) continue;
      if (f.view.campaign.total !== row.total || f.view.concurrency !== row.concurrency) {
        fail(
          `${name}: ${f.by} reported a total of ${f.view.campaign.total}, concurrency ` +
            `${f.view.concurrency} (${f.how}), stored ${row.total}, ${row.concurrency}`,
        );
      }
      // What has ended stays ended: no count of ended entries shrinks, nor the entries dialed.
      for (const key of ['dialed', 'completed', 'missed', 'unknown', 'canceled'] as const) {
        if (f.view.progress[key] > view.progress[key]) {
          fail(
            `${name}: ${f.by} reported ${key} ${f.view.progress[key]} (${f.how}), reads ${view.progress[key]}`,
          );
        }
      }
    }
    for (const a of facts.actions) {
      if (a.campaign !== name) continue;
      const expected =
        a.outcome === 'campaign_done'
          ? 'done'
          : a.outcome === 'campaign_stopped' || (a.outcome === 'ok' && a.kind === 'stop')
            ? 'stopped'
            : null;
      if (expected === 'done' && stopTaken) continue;
      if (expected && view.state !== expected) {
        fail(`${name}: ${a.by} ${a.kind} answered ${a.outcome}, it reads ${view.state}`);
      }
    }
  });
  return problems;
}
