/**
 * The README's predictive campaign, step by step, against real processes: `pnpm demo` with
 * `DEMO_SCENARIO=predictive` (its practice simulators are `ringkit-sim --scenario predictive`,
 * run here fifty times faster than real time with `SIM_TIME_SCALE`), two agents added and
 * logged in, a predictive campaign of 200 numbers uploaded as CSV, then watched: people reach
 * the agents, the abandon figures count them, and no agent ever holds two calls.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app, assertBuilt, freePort } from './_support.js';

const CAMPAIGN = 'predictive-demo';

/** `seq -f '+1415555%04g' 1000 1199`: the README's 200 numbers. */
const NUMBERS = Array.from({ length: 200 }, (_, i) => `+1415555${String(1000 + i)}`);

interface Entry {
  call_id: string | null;
  ended_at: string | null;
}

describe('a predictive campaign against the simulators’ agents (the README’s commands)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-e2e-predictive-'));
  let url = '';
  let output = '';
  let child: ReturnType<typeof spawn>;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    assertBuilt();
    const [port, polling, webhook] = [await freePort(), await freePort(), await freePort()];
    // 1. DEMO_SCENARIO=predictive pnpm demo (pnpm demo is `node dist/demo.js`).
    child = spawn(process.execPath, ['dist/demo.js'], {
      cwd: app,
      env: {
        ...process.env,
        PORT: String(port),
        CALL_API_URL: `http://localhost:${polling}`,
        DIALER_API_URL: `http://localhost:${webhook}`,
        DATA_DIR: dataDir,
        DEMO_HISTORY: '0',
        LOG_LEVEL: 'warn',
        DEMO_SCENARIO: 'predictive',
        SIM_TIME_SCALE: '50',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ringkit demo ready: open ([^\s"]+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      void exited.then((code) => reject(new Error(`pnpm demo exited (${code}): ${output}`)));
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, type = 'application/json') =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('connects people to the agents, counts them in the abandon figures, and never gives an agent two calls', async () => {
    expect(output).toContain('the simulators play ringkit-sim --scenario predictive');

    // 2. Two agents who serve the campaign, logged in.
    for (const [id, reach] of [
      ['ana', '+14155550101'],
      ['bo', '+14155550102'],
    ]) {
      const added = await post('/api/agents', {
        id,
        reach,
        campaigns: [CAMPAIGN],
        state: 'available',
      });
      expect(added.status).toBe(201);
    }

    // 3. A predictive campaign of 200 numbers, as a CSV upload.
    const query = new URLSearchParams({
      name: CAMPAIGN,
      mode: 'predictive',
      seller_name: 'Acme Windows',
      callback_number: '+14155550100',
      concurrency: '20',
    });
    const created = await post(`/api/campaigns?${query}`, NUMBERS.join('\n'), 'text/csv');
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ mode: 'predictive', total: 200 });

    // 4. Watch, and look at the roster all along: one call is never held by two agents.
    const holders = new Map<string, string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const roster = (await (await fetch(`${url}/api/agents`)).json()) as {
          items: { id: string; call_id: string | null }[];
        };
        const seen = new Map<string, string>();
        for (const agent of roster.items) {
          if (agent.call_id === null) continue;
          expect(seen.get(agent.call_id), `call ${agent.call_id} held twice`).toBeUndefined();
          seen.set(agent.call_id, agent.id);
          holders.set(agent.call_id, agent.id);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let abandons: { answered: number; abandoned: number; rate: number | null } = {
      answered: 0,
      abandoned: 0,
      rate: null,
    };
    const deadline = Date.now() + 30_000;
    while (abandons.answered < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      abandons = await (await fetch(`${url}/api/campaigns/${CAMPAIGN}/abandons`)).json();
    }
    watching = false;
    await watch;
    expect(abandons.answered).toBeGreaterThanOrEqual(3);
    expect(holders.size).toBeGreaterThan(0);

    // Stop dialing; what was placed goes on to its end.
    expect((await post(`/api/campaigns/${CAMPAIGN}/stop`, {})).status).toBe(200);

    // Every person who reached an agent, from the compliance report, against each call's end:
    // an agent's next call starts after the one before ended.
    const csv = await (await fetch(`${url}/api/campaigns/${CAMPAIGN}/compliance.csv`)).text();
    const rows = csv
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(','));
    const connected = rows.filter((r) => r[7] === 'false' && r[5] !== '');
    expect(connected.length).toBeGreaterThan(0);
    for (const row of connected) expect(['ana', 'bo']).toContain(row[5]);
    const view = await (await fetch(`${url}/api/campaigns/${CAMPAIGN}?limit=1000`)).json();
    const endOf = new Map(
      (view.entries as Entry[]).map((e) => [
        e.call_id,
        e.ended_at === null ? Infinity : Date.parse(e.ended_at),
      ]),
    );
    for (const agent of new Set(connected.map((r) => r[5]!))) {
      const calls = connected
        .filter((r) => r[5] === agent)
        .map((r) => ({ at: Date.parse(r[4]!), end: endOf.get(r[3]!) ?? Infinity }))
        .sort((x, y) => x.at - y.at);
      for (let i = 1; i < calls.length; i += 1) {
        expect(
          calls[i]!.at,
          `${agent} took a call before the one before ended`,
        ).toBeGreaterThanOrEqual(calls[i - 1]!.end);
      }
    }

    // Prometheus saw them too.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `^ringkit_agent_answers_total\\{campaign="${CAMPAIGN}",outcome="connected"\\} [1-9]`,
        'm',
      ),
    );

    // Ctrl-C stops the server and the simulators' process.
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
