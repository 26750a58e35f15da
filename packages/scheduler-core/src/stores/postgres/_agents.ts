import { agentReadyAt, type Store, type StoredAgent } from '../../store.js';
import { agentStatementsFor } from './_agent-sql.js';
import type { PostgresDb } from './_connection.js';

type AgentMethods = Required<
  Pick<
    Store,
    'insertAgent' | 'getAgent' | 'listAgents' | 'readyAgents' | 'updateAgent' | 'deleteAgent'
  >
>;

const agentFromRow = (row: Record<string, unknown>): StoredAgent => ({
  ...(row.doc as StoredAgent),
  version: Number(row.version),
});

/**
 * The agents of `createPostgresStore`. Every write is one statement; `updateAgent` is a
 * compare-and-set on the version. A write retried after its answer was lost counts as done when
 * the agent stands as it would have left it.
 */
export function postgresAgents(db: PostgresDb): AgentMethods {
  const { query, run } = db;
  const sql = agentStatementsFor(db.quoted);
  const stands = async (agent: StoredAgent, doc: string) =>
    (await query(sql.stands, [agent.id, agent.version, doc])).length > 0;
  return {
    async insertAgent(agent) {
      const doc = JSON.stringify(agent);
      return run(async (maybeDone) => {
        const rows = await query(sql.insert, [agent.id, agent.version, agentReadyAt(agent), doc]);
        return rows.length > 0 || (maybeDone && (await stands(agent, doc)));
      });
    },
    async getAgent(id) {
      const [row] = await run(() => query(sql.get, [id]));
      return row ? agentFromRow(row) : null;
    },
    async listAgents({ afterId, limit, campaign }) {
      const values = [afterId ?? '', Math.max(0, limit)];
      const rows = await run(() =>
        campaign === undefined ? query(sql.page, values) : query(sql.pageOf, [...values, campaign]),
      );
      return rows.map(agentFromRow);
    },
    async readyAgents(campaign, now, limit) {
      const rows = await run(() => query(sql.ready, [now, campaign, Math.max(0, limit)]));
      return rows.map(agentFromRow);
    },
    async updateAgent(next, expectedVersion) {
      const doc = JSON.stringify(next);
      const values = [next.id, next.version, agentReadyAt(next), doc, expectedVersion];
      return run(async (maybeDone) => {
        const rows = await query(sql.update, values);
        return rows.length > 0 || (maybeDone && (await stands(next, doc)));
      });
    },
    async deleteAgent(id, expectedVersion) {
      return run(async (maybeDone) => {
        const rows = await query(sql.delete, [id, expectedVersion]);
        if (rows.length > 0) return true;
        return maybeDone && (await query(sql.get, [id])).length === 0;
      });
    },
  };
}
