import { agentReadyAt, copyAgent, type Store, type StoredAgent } from '../../store.js';

type AgentMethods = Required<
  Pick<
    Store,
    'insertAgent' | 'getAgent' | 'listAgents' | 'readyAgents' | 'updateAgent' | 'deleteAgent'
  >
>;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The agents of `createMemoryStore`: `agents()` is the store's map of them by id, or throws
 * once the store is closed. Rosters are people, tens to a few thousand: reads go through the map.
 */
export function memoryAgentMethods(agents: () => Map<string, StoredAgent>): AgentMethods {
  return {
    async insertAgent(agent) {
      const all = agents();
      if (all.has(agent.id)) return false;
      all.set(agent.id, copyAgent(agent));
      return true;
    },
    async getAgent(id) {
      const agent = agents().get(id);
      return agent ? copyAgent(agent) : null;
    },
    async listAgents({ afterId, limit, campaign }) {
      return [...agents().values()]
        .filter((a) => (afterId == null || a.id > afterId) && serves(a, campaign))
        .sort((a, b) => byText(a.id, b.id))
        .slice(0, Math.max(0, limit))
        .map(copyAgent);
    },
    async readyAgents(campaign, now, limit) {
      const ready: { agent: StoredAgent; at: number }[] = [];
      for (const agent of agents().values()) {
        const at = agentReadyAt(agent);
        if (at !== null && at <= now && serves(agent, campaign)) ready.push({ agent, at });
      }
      ready.sort((a, b) => a.at - b.at || byText(a.agent.id, b.agent.id));
      return ready.slice(0, Math.max(0, limit)).map((r) => copyAgent(r.agent));
    },
    async updateAgent(next, expectedVersion) {
      const all = agents();
      if (all.get(next.id)?.version !== expectedVersion) return false;
      all.set(next.id, copyAgent(next));
      return true;
    },
    async deleteAgent(id, expectedVersion) {
      const all = agents();
      if (all.get(id)?.version !== expectedVersion) return false;
      return all.delete(id);
    },
  };
}

const serves = (agent: StoredAgent, campaign: string | undefined) =>
  campaign === undefined || agent.campaigns.includes(campaign);
