/** The agents in SQL: their table and the statements of `_agents.ts`. */

/** The schema of the agents on schema `{s}` (migration 15): the agent whole as `jsonb`. */
export const AGENTS_MIGRATION = `
  CREATE TABLE {s}.agents (
    id text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL,
    ready_at bigint,
    doc jsonb NOT NULL
  );
  CREATE INDEX agents_ready ON {s}.agents (ready_at, id) WHERE ready_at IS NOT NULL;
`;

/** The statements of the agents on schema `s`. */
export function agentStatementsFor(s: string) {
  const serves = `doc->'campaigns' ? $CAMPAIGN::text`;
  return {
    insert: `INSERT INTO ${s}.agents (id, version, ready_at, doc) VALUES ($1, $2, $3, $4::jsonb)
      ON CONFLICT (id) DO NOTHING RETURNING 1`,
    get: `SELECT version, doc FROM ${s}.agents WHERE id = $1`,
    /** Whether the agent stands as `$3` at version `$2` (a write whose answer was lost). */
    stands: `SELECT 1 FROM ${s}.agents WHERE id = $1 AND version = $2 AND doc = $3::jsonb`,
    page: `SELECT version, doc FROM ${s}.agents WHERE id > $1 ORDER BY id LIMIT $2`,
    pageOf: `SELECT version, doc FROM ${s}.agents WHERE id > $1 AND ${serves.replace('$CAMPAIGN', '$3')}
      ORDER BY id LIMIT $2`,
    ready: `SELECT version, doc FROM ${s}.agents
      WHERE ready_at IS NOT NULL AND ready_at <= $1 AND ${serves.replace('$CAMPAIGN', '$2')}
      ORDER BY ready_at, id LIMIT $3`,
    update: `UPDATE ${s}.agents SET version = $2, ready_at = $3, doc = $4::jsonb
      WHERE id = $1 AND version = $5 RETURNING 1`,
    delete: `DELETE FROM ${s}.agents WHERE id = $1 AND version = $2 RETURNING 1`,
  };
}
