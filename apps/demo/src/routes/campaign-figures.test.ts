/**
 * A campaign's standing under the abandon rule and its compliance report, read from the store
 * after campaigns with agents ran against the webhook practice API, where everybody answers.
 */
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';
import { COMPLIANCE_COLUMNS } from './campaign-figures.js';

let app: TestApp;
let polling: CallApiSimulator;
let webhook: CallApiSimulator;

const SELLER = { seller_name: 'Acme Windows', callback_number: '+14155550100', wrap_up_s: 0 };

beforeAll(async () => {
  polling = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: [5, 20] });
  // Everybody answers; an agent answers at once and talks 3.5 s (longer than anyone waits for
  // one); a person nobody connects stays on the line 4 s.
  webhook = await startCallApiSimulator({
    flavour: 'webhook',
    port: 0,
    stepMs: [5, 20],
    seed: 3,
    humanRate: 1,
    agentAnswerMs: 10,
    talkMeanMs: 3500,
    talkSigma: 0,
    talkMs: 4000,
  });
  app = await startTestApp({ simulators: { polling, webhook } });
  // Agent `-ana` (an id a spreadsheet would read as a formula) serves both agent campaigns.
  const added = await api(`${app.url}/api/agents`, {
    method: 'POST',
    body: {
      id: '-ana',
      reach: '+14155550123',
      campaigns: ['progressive-figures', 'ratio-figures'],
    },
  });
  expect(added.status).toBe(201);
  await api(`${app.url}/api/agents/-ana/state`, { method: 'POST', body: { state: 'available' } });
});
afterAll(async () => {
  await app.close();
  await Promise.all([polling.close(), webhook.close()]);
});

/** Creates a campaign and, unless told not to, waits until every entry ended. */
async function run(
  name: string,
  settings: Record<string, unknown>,
  numbers: string[],
  { wait = true } = {},
) {
  const created = await api(`${app.url}/api/campaigns`, {
    method: 'POST',
    body: { name, numbers, ...settings },
  });
  expect(created.status).toBe(201);
  if (!wait) return;
  await eventually(
    async () => (await api(`${app.url}/api/campaigns/${name}`)).json.state === 'done',
    20_000,
  );
}

/** `compliance.csv` of `name`, line by line, each split into its cells (none holds a comma). */
async function compliance(name: string) {
  const res = await fetch(`${app.url}/api/campaigns/${name}/compliance.csv`);
  const lines = (await res.text()).split('\r\n').filter(Boolean);
  return { res, header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

const DAY_MS = 86_400_000;

describe('GET /api/campaigns/:id/abandons and compliance.csv', () => {
  it('counts the people a progressive campaign joined to its agent, none abandoned', async () => {
    await run('progressive-figures', { mode: 'progressive', ...SELLER }, [
      '13018040009',
      '19842068287',
    ]);
    const res = await api(`${app.url}/api/campaigns/progressive-figures/abandons`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      campaign: 'progressive-figures',
      mode: 'progressive',
      answered: 2,
      abandoned: 0,
      rate: 0,
      abandon_cap: 0.03,
    });
    expect(Date.parse(res.json.until) - Date.parse(res.json.since)).toBe(30 * DAY_MS);
    expect(Math.abs(Date.parse(res.json.until) - Date.now())).toBeLessThan(60_000);

    const { res: csv, header, rows } = await compliance('progressive-figures');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename=progressive-figures-compliance.csv',
    );
    expect(header).toEqual(COMPLIANCE_COLUMNS);
    expect(rows.map((r) => r[1])).toEqual(['+13018040009', '+19842068287']);
    for (const [
      position,
      ,
      attempt,
      providerCallId,
      at,
      agent,
      waitMs,
      abandoned,
      reason,
    ] of rows) {
      expect(position).toMatch(/^\d+$/);
      expect(attempt).toBe('1');
      expect(providerCallId).not.toBe('');
      expect(new Date(at!).toISOString()).toBe(at);
      // A cell that starts with "-" is written after a "'", as in every CSV the demo writes.
      expect(agent).toBe("'-ana");
      expect(Number(waitMs)).toBeLessThanOrEqual(2000);
      expect(abandoned).toBe('false');
      expect(reason).toBe('');
    }
  });

  it('counts the people no agent reached within 2 s as abandoned, with why', async () => {
    // Three lines for one agent: all three answer at once, one reaches her.
    await run('ratio-figures', { mode: 'ratio', ratio: 3, concurrency: 3, ...SELLER }, [
      '13018040009',
      '19842068287',
      '15512459377',
    ]);
    const res = await api(`${app.url}/api/campaigns/ratio-figures/abandons`);
    expect(res.json).toMatchObject({ answered: 3, abandoned: 2, abandon_cap: 0.03 });
    expect(res.json.rate).toBeCloseTo(2 / 3);
    const { rows } = await compliance('ratio-figures');
    const abandoned = rows.filter((r) => r[7] === 'true');
    expect(abandoned).toHaveLength(2);
    for (const row of abandoned) {
      // Nobody took the call, or an agent did after the 2 s: late.
      expect(row[8]).not.toBe('');
      if (row[5] !== '') expect(row[8]).toBe('late');
    }
    expect(rows.filter((r) => r[7] === 'false').map((r) => r[5])).toEqual(["'-ana"]);
  });

  it('tells Prometheus what became of each person, and the agents by state', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain(
      'ringkit_agent_answers_total{campaign="ratio-figures",outcome="connected"} 1',
    );
    expect(text).toContain(
      'ringkit_agent_answers_total{campaign="ratio-figures",outcome="abandoned"} 2',
    );
    expect(text).toContain(
      'ringkit_agent_answers_total{campaign="progressive-figures",outcome="connected"} 2',
    );
    expect(text).toContain('ringkit_agent_wait_seconds_count{campaign="progressive-figures"} 2');
    expect(text).toContain('ringkit_agents{state="available"} 1');
    expect(text).toMatch(/^ringkit_agent_occupancy_ratio 0\.\d+$/m);
    // No phone number in any label.
    expect(text).not.toMatch(/\{[^}]*\+?1\d{10}/);
  });

  it('answers the same shape for a power campaign: nobody behind its calls, no rate, no cap', async () => {
    await run('power-figures', {}, ['13018040009'], { wait: false });
    const res = await api(`${app.url}/api/campaigns/power-figures/abandons`);
    expect(res.json).toMatchObject({
      campaign: 'power-figures',
      mode: 'power',
      answered: 0,
      abandoned: 0,
      rate: null,
      abandon_cap: null,
    });
    const { header, rows } = await compliance('power-figures');
    expect(header).toEqual(COMPLIANCE_COLUMNS);
    expect(rows).toEqual([]);
  });

  it('answers 404 in JSON for an unknown campaign and 400 for a malformed name', async () => {
    for (const path of ['abandons', 'compliance.csv']) {
      const unknown = await api(`${app.url}/api/campaigns/nobody/${path}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json.error).toEqual({
        code: 'not_found',
        message: 'No campaign with id "nobody"',
      });
      expect((await api(`${app.url}/api/campaigns/not%20a%20name/${path}`)).status).toBe(400);
    }
    const post = await api(`${app.url}/api/campaigns/nobody/abandons`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
