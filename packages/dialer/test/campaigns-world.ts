/**
 * The world of `campaigns.property.test.ts`: workers of `createCampaigns` sharing one store (each
 * on its own connection) that the test closes, kills and restarts; one webhook provider they all
 * call, with a ledger of every call it took and of the calls live at once per campaign; a router
 * that delivers each webhook late, more than once, to any living worker; and a record of every
 * fact the workers reported (events, views, snapshots, the answers to their actions), checked
 * against a read-back from a fresh `createCampaigns` once everything has ended.
 *
 * A kill here is a process dying at once: from that moment the worker's store connection and
 * its provider refuse everything (what was already under way finishes, as a commit or a request
 * that had left), webhooks no longer reach it, and nothing it says any more counts as said.
 *
 * Split by concern under `campaigns-world/`: the scenario (`scenario.ts`), the shared state and
 * facts (`state.ts`), the workers, their provider and webhooks, kills and restarts
 * (`workers.ts`), the actions (`actions.ts`), the run (`world.ts`), the read-back
 * (`read-back.ts`) and its checks (`check.ts`).
 */
export { check } from './campaigns-world/check.js';
export { readBack, storedCampaigns, type ReadBack } from './campaigns-world/read-back.js';
export {
  CALLER_ID,
  NAMES,
  phoneOf,
  type Action,
  type CallScript,
  type CrashPoint,
  type ListSpec,
  type Scenario,
  type Step,
  type WorldOptions,
} from './campaigns-world/scenario.js';
export type { LedgerCall } from './campaigns-world/state.js';
export { createWorld, type World } from './campaigns-world/world.js';
