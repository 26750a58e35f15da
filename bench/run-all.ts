/** Runs every benchmark script in turn; each prints its own figures. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const scripts = [
  'pipeline/pipeline.ts',
  'providers/call-client.ts',
  'providers/twilio.ts',
  'providers/telnyx.ts',
  'providers/signalwire.ts',
  'providers/vonage.ts',
  'providers/polling.ts',
  'campaigns/dialer.ts',
  'scheduler/scheduler.ts',
  'scheduler/postgres.ts',
  'scheduler/backlog.ts',
  'scheduler/batch-write.ts',
  'scheduler/row-cost.ts',
  'scheduler/growth.ts',
  'demo/stall.ts',
  'campaigns/finished.ts',
  'compliance/suppressions.ts',
  'campaigns/campaign-lists.ts',
  'scheduler/quiet-wake.ts',
  'campaigns/campaign-cpu.ts',
  'compliance/law.ts',
  'scheduler/status-route.ts',
  'campaigns/mixed.ts',
  'campaigns/idle-campaigns.ts',
  'agents/predictive.ts',
  'agents/engine.ts',
].filter((s) => existsSync(s));
const extra = process.argv.slice(2);
let failed = 0;
for (const script of scripts) {
  console.log(`\n### ${script}\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...extra], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
