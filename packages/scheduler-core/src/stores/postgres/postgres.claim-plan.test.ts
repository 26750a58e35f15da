/**
 * A claim of one provider is planned for as many due rows as a claim of every provider, also on
 * a table the planner has no statistics of yet (a store just created, then a burst of calls
 * written). Written as `provider IS NULL OR provider = $7`, the filter made PostgreSQL expect a
 * hundredth of the due rows, and then plan most claims of a burst as a bitmap scan and a sort of
 * every due row to lock ten, where without it they walk the wake index in order: that cost a
 * 4-worker burst a fifth of its dispatches a second (`bench/scheduler/postgres.ts`). Which rows it takes
 * is the store contract's to check (`_claim-cases.ts`), on every store.
 */
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storedCall } from '../../testing/store-contract.js';
import { describeWithDatabase, dropSchemas, randomSchema } from '../../../test/pg-testing.js';
import { statementsFor } from './_sql.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const DUE = 20_000;
const LIMIT = 10;

/** A node of `EXPLAIN (FORMAT JSON)`. */
interface Plan {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows'?: number;
  'Subplan Name'?: string;
  Plans?: Plan[];
}

/** The plan of the CTE `name` in `plan`. */
function cte(plan: Plan, name: string): Plan | undefined {
  if (plan['Subplan Name'] === `CTE ${name}`) return plan;
  for (const child of plan.Plans ?? []) {
    const found = cte(child, name);
    if (found) return found;
  }
  return undefined;
}

/** The scan of a table under `plan`. */
function scanOf(plan: Plan): Plan {
  if (plan['Relation Name'] !== undefined) return plan;
  for (const child of plan.Plans ?? []) {
    const found = scanOf(child);
    if (found['Relation Name'] !== undefined) return found;
  }
  return plan;
}

describeWithDatabase('the PostgreSQL store, a claim of one provider on a new table', (url) => {
  const schema = randomSchema();
  const s = `"${schema}"`;
  let store: PostgresStore;
  const client = new Client({ connectionString: url });

  beforeAll(async () => {
    store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
    const due = Array.from({ length: DUE }, (_, i) =>
      storedCall({
        id: `due-${String(i).padStart(5, '0')}`,
        dueAt: T0 - 100,
        provider: 'twilio',
      }),
    );
    // Rows stored before calls named their provider (any provider's), and another provider's.
    const others = Array.from({ length: 20 }, (_, i) =>
      storedCall({
        id: `other-${String(i).padStart(3, '0')}`,
        dueAt: T0 - DUE + i,
        ...(i % 2 === 0 ? { provider: 'telnyx' } : {}),
      }),
    );
    await client.connect();
    // Calls placed and finished, then a burst due at the same instant.
    const finished = Array.from({ length: 200 }, (_, i) =>
      storedCall({
        id: `done-${String(i).padStart(3, '0')}`,
        dueAt: T0 - 60_000 + i,
        provider: 'twilio',
        status: 'completed',
      }),
    );
    await store.insertMany!(finished);
    await store.insertMany!([...due, ...others]);
  });

  afterAll(async () => {
    await client.end();
    await store.close();
    await dropSchemas(url, [schema]);
  });

  /** The plan of the claim's `due` scan as the store sends it (a custom plan of its values). */
  async function planClaim(provider: string | null): Promise<Plan> {
    const sql = statementsFor(s);
    const values = [T0, LIMIT, 'w', T0 + 30_000, Number.MIN_SAFE_INTEGER, LIMIT, provider, ''];
    const literal = (v: unknown) =>
      v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v);
    const name = `claim_${provider ?? 'any'}`;
    await client.query(
      `PREPARE ${name}(bigint, bigint, text, bigint, bigint, bigint, text, text) AS ${sql.claim}`,
    );
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: Plan }[] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${name}(${values.map(literal).join(', ')})`,
      );
      return cte(rows[0]!['QUERY PLAN'][0]!.Plan, 'due')!;
    } finally {
      await client.query(`DEALLOCATE ${name}`);
    }
  }

  it('plans a claim of one provider for as many due rows as a claim of every provider', async () => {
    const one = scanOf(await planClaim('twilio'));
    const every = scanOf(await planClaim(null));
    expect(every['Plan Rows']).toBeGreaterThanOrEqual(20);
    // The filter may halve the guess; a hundredth is what turned the plan into a bitmap scan.
    expect(one['Plan Rows']).toBeGreaterThanOrEqual(every['Plan Rows']! / 2);
  });
});
