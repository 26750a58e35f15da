/**
 * The tests of a plan test: the store methods the workload must have made send SQL, then one
 * test per statement and rule.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store.js';

/**
 * The store methods (by tag) the workload must have seen send SQL, so a test cannot pass by
 * capturing nothing. The optional ones count where the store has them.
 */
export function expectedTags(store: Store): string[] {
  return [
    'insert',
    'insertMany',
    'get',
    'findByIdempotencyKey',
    'findByProviderCallId',
    'updateMany',
    'claimDue',
    ...(store.capabilities.marks ? ['claimDue(mark)'] : []),
    'countByStatus',
    'list()',
    'list(cursor)',
    'list(status×1)',
    'list(status×2)',
    'list(status×5)',
    'list(to)',
    'list(to, cursor)',
    'list(status×1, to)',
    'list(status×1, cursor)',
    // recordCall: merged by id where the store can, else saved whole.
    store.mergeCallRecord ? 'mergeCallRecord' : 'saveCallRecord',
    'listCallLog(phone)',
    'listCallLog(phone, cursor)',
    ...(store.reserveSendSlot ? ['claimDue(budget)'] : []),
    ...(store.deleteFinished ? ['deleteFinished'] : []),
    ...(store.deleteCallRecords ? ['deleteCallRecords'] : []),
    ...(store.acquireLease ? ['acquireLease'] : []),
    ...(store.claimCampaign
      ? [
          'insertCampaign',
          'getCampaign',
          'listCampaigns()',
          'listCampaigns(cursor)',
          'updateCampaign',
          'claimCampaign()',
          'claimCampaign(budget)',
          'nextCampaignWake',
          'listCampaignCalls()',
          'listCampaignCalls(after)',
          'listCampaignCalls(status×1)',
          'listCampaignCalls(status×4)',
          'listCampaignCalls(status×2, after)',
          'countCampaign',
          'list(campaign)',
          'list(campaign, cursor)',
          'list(campaign, status×1)',
          'list(campaign, status×2)',
          'list(campaign, to)',
          'list(campaign, status×1, cursor)',
        ]
      : []),
  ];
}

/** What a plan test found for one distinct statement. */
export interface PlanResult {
  name: string;
  text: string;
  /** The store methods (and shapes) that sent it. */
  tags: string[];
  /** The plans of the parameter sets with a finding, for the failure message. */
  plans: string;
}

/**
 * The tests of a plan test, in the block that declares them: the workload sent SQL for every
 * method `expected` names, and then, per rule, one test per statement that fails on the rule's
 * findings (with the statement and its plans in the message).
 */
export function planTests<R extends PlanResult>(
  results: R[],
  expected: string[],
  rules: { title: string; findings: (result: R) => string[] }[],
): void {
  it('the workload made every store method the scheduler and the demo use send SQL', () => {
    const sent = new Set(results.flatMap((result) => result.tags));
    expect(expected.filter((tag) => !sent.has(tag))).toEqual([]);
  });
  for (const rule of rules) {
    describe(rule.title, () => {
      for (const result of results) {
        it(result.name, () => {
          expect(rule.findings(result), `${result.text}\n\n${result.plans}`).toEqual([]);
        });
      }
    });
  }
}
