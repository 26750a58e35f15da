import type { StatementSync } from 'node:sqlite';
import { agentReadyAt, type Store, type StoredAgent } from '../../store.js';
import type { Row } from './_sql.js';

/** The schema of the agents (migration 15): the agent whole as JSON, beside its key columns. */
export const AGENTS_MIGRATION = `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    ready_at INTEGER,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX agents_ready ON agents (ready_at, id) WHERE ready_at IS NOT NULL;
`;

const SERVES = `EXISTS (SELECT 1 FROM json_each(doc, '$.campaigns') WHERE value = ?)`;

/** The statements of the agents. */
export const AGENT_SQL = {
  insert: `INSERT INTO agents (id, version, ready_at, doc) VALUES (?, ?, ?, ?)
    ON CONFLICT (id) DO NOTHING`,
  get: 'SELECT version, doc FROM agents WHERE id = ?',
  page: 'SELECT version, doc FROM agents WHERE id > ? ORDER BY id LIMIT ?',
  pageOf: `SELECT version, doc FROM agents WHERE id > ? AND ${SERVES} ORDER BY id LIMIT ?`,
  ready: `SELECT version, doc FROM agents INDEXED BY agents_ready
    WHERE ready_at IS NOT NULL AND ready_at <= ? AND ${SERVES} ORDER BY ready_at, id LIMIT ?`,
  update: 'UPDATE agents SET version = ?, ready_at = ?, doc = ? WHERE id = ? AND version = ?',
  delete: 'DELETE FROM agents WHERE id = ? AND version = ?',
};

type AgentMethods = Required<
  Pick<
    Store,
    'insertAgent' | 'getAgent' | 'listAgents' | 'readyAgents' | 'updateAgent' | 'deleteAgent'
  >
>;

const agentFromRow = (row: Row): StoredAgent => ({
  ...(JSON.parse(row.doc as string) as StoredAgent),
  version: Number(row.version),
});

/** An agent's columns, in the order of `insert`'s and `update`'s first three. */
const columnsOf = (agent: StoredAgent) =>
  [agent.version, agentReadyAt(agent), JSON.stringify(agent)] as const;

/**
 * The agents of `createSqliteStore`. Every write is one statement, atomic across the processes
 * sharing the file; `updateAgent` is a compare-and-set on the version.
 */
export function sqliteAgentMethods(prepare: (sql: string) => StatementSync): AgentMethods {
  return {
    async insertAgent(agent) {
      return Number(prepare(AGENT_SQL.insert).run(agent.id, ...columnsOf(agent)).changes) > 0;
    },
    async getAgent(id) {
      const row = prepare(AGENT_SQL.get).get(id) as Row | undefined;
      return row ? agentFromRow(row) : null;
    },
    async listAgents({ afterId, limit, campaign }) {
      const after = afterId ?? '';
      const rows = (
        campaign === undefined
          ? prepare(AGENT_SQL.page).all(after, Math.max(0, limit))
          : prepare(AGENT_SQL.pageOf).all(after, campaign, Math.max(0, limit))
      ) as Row[];
      return rows.map(agentFromRow);
    },
    async readyAgents(campaign, now, limit) {
      const rows = prepare(AGENT_SQL.ready).all(now, campaign, Math.max(0, limit)) as Row[];
      return rows.map(agentFromRow);
    },
    async updateAgent(next, expectedVersion) {
      const run = prepare(AGENT_SQL.update).run(...columnsOf(next), next.id, expectedVersion);
      return Number(run.changes) > 0;
    },
    async deleteAgent(id, expectedVersion) {
      return Number(prepare(AGENT_SQL.delete).run(id, expectedVersion).changes) > 0;
    },
  };
}
