/** Runs every benchmark script in turn; each prints its own figures. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const scripts = [
  'pipeline.ts',
  'call-client.ts',
  'twilio.ts',
  'telnyx.ts',
  'polling.ts',
  'dialer.ts',
  'scheduler.ts',
  'postgres.ts',
  'batch-write.ts',
  'growth.ts',
  'stall.ts',
  'finished.ts',
  'suppressions.ts',
  'campaign-lists.ts',
  'quiet-wake.ts',
  'campaign-cpu.ts',
  'law.ts',
  'status-route.ts',
  'mixed.ts',
  'idle-campaigns.ts',
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
