/**
 * The simulator of bench/pipeline/pipeline.ts, in a process of its own (as a provider is). Started with
 * `fork()` and IPC; argv[2] is a JSON `SimulatorOptions`-like object ({ flavour, stepMs, … }).
 *
 * Messages it sends: `{ type: 'ready', url }` once listening; in answer to `{ type: 'take' }`,
 * `{ type: 'created', phones, at, changes, cpu }`: the calls created since the last take, with the
 * moment each POST was received (ms since the epoch, sub-millisecond: `performance.timeOrigin +
 * now()`), how many times a call moved to a new status since the last take (the fewest status
 * requests that see each status), and the CPU this process used since the last take, in ms.
 * `{ type: 'close' }` ends it.
 */
import { startCallApiSimulator, type SimulatorOptions } from '@ringkit/simulator';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
let phones: string[] = [];
let at: number[] = [];
let changes = 0;
let cpu = process.cpuUsage();

const sim = await startCallApiSimulator({
  port: 0,
  ...options,
  onEvent(event) {
    if (event.type === 'status') changes += 1;
    if (event.type !== 'created') return;
    at.push(performance.timeOrigin + performance.now());
    phones.push(event.call.phone);
  },
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'take') {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    process.send!({ type: 'created', phones, at, changes, cpu: (used.user + used.system) / 1000 });
    phones = [];
    changes = 0;
    at = [];
  } else if (message.type === 'close') {
    void sim.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
process.send!({ type: 'ready', url: sim.url });
