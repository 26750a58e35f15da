/**
 * Helpers of the query-plan tests (`*.plans.test.ts`, not part of the package): a workload that
 * drives every store method the scheduler and the demo use through the public API, a store proxy
 * that says which method (and which shape of `list` or `listCallLog`) sent each statement, and
 * the naming and filtering of the statements captured. Each store's test captures the SQL its
 * store sends while the workload runs and reads the plan of every statement on a large table.
 */
export { CALLER_ID, DAY_MS, phone, PHONES, RETENTION_DAYS, T0 } from './plans/data.js';
export { CAMPAIGN, CAMPAIGN_ENTRIES } from './plans/campaign-work.js';
export { expectedTags, planTests } from './plans/plan-tests.js';
export type { PlanResult } from './plans/plan-tests.js';
export { distinctStatements, isPlannable, shortSql, statementNames } from './plans/statements.js';
export type { Statement } from './plans/statements.js';
export { currentTag, taggingStore } from './plans/tagging.js';
export type { Captured, TaggedStore } from './plans/tagging.js';
export { runWorkload } from './plans/workload.js';
