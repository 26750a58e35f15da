/**
 * The practice simulators of `pnpm demo` playing a scenario of `ringkit-sim` (`DEMO_SCENARIO`):
 * the simulator's own CLI, run as a process of its own with `--scenario`, so that every knob
 * the scenario sets, and every `SIM_…` variable of the environment, is read as `ringkit-sim`
 * reads it (`--scenario predictive`: agent-staffed dialing, time ten times faster).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** How long `ringkit-sim` may take to listen. */
const START_TIMEOUT_MS = 15_000;

/** `ringkit-sim`'s launcher in the installed `@ringkit/simulator`. */
function simulatorCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ringkit/simulator/package.json')), 'bin', 'ringkit-sim.js');
}

/** The practice simulators `ringkit-sim` started, and the way to stop them. */
export interface ScenarioSimulators {
  /** Where each flavour listens, as `ringkit-sim` printed it. */
  polling: string;
  webhook: string;
  /** The seed of its draws, to replay a run (`SIM_SEED`). */
  seed: string;
  /** Stops the process (SIGTERM) and resolves once it has exited. */
  close(): Promise<void>;
}

/** What `ringkit-sim` printed on its way out, without its name: the reason it stopped. */
const reasonOf = (stderr: string, code: number | null) =>
  stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(/^ringkit-sim: /, ''))
    .join('; ') || `ringkit-sim exited with code ${code}`;

/**
 * Runs `ringkit-sim --scenario <scenario> --quiet` with both practice flavours on these ports
 * (on 127.0.0.1), and resolves once both listen; rejects with `ringkit-sim`'s own words when it
 * stops before (an unknown scenario, a bad `SIM_…` variable, a port taken). The process inherits
 * the environment: `SIM_TIME_SCALE` and the other `SIM_…` variables win over the scenario.
 */
export function startScenarioSimulators(options: {
  scenario: string;
  pollingPort: number;
  webhookPort: number;
  env?: Record<string, string | undefined>;
}): Promise<ScenarioSimulators> {
  const args = [
    simulatorCli(),
    ...['--polling-port', String(options.pollingPort)],
    ...['--webhook-port', String(options.webhookPort)],
    ...['--host', '127.0.0.1', '--scenario', options.scenario, '--quiet'],
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closing = false;
  const close = async () => {
    closing = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<ScenarioSimulators>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let ready = false;
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`DEMO_SCENARIO: ringkit-sim did not listen within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const polling = /^polling \(.*\) listening on (\S+)/m.exec(stdout)?.[1];
      const webhook = /^webhook \(.*\) listening on (\S+)/m.exec(stdout)?.[1];
      const seed = /^seed (\S+) \(scenario .*\); press Ctrl\+C/m.exec(stdout)?.[1];
      if (polling && webhook && seed && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve({ polling, webhook, seed, close });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`DEMO_SCENARIO: ${reasonOf(stderr, code)}`));
      // Stopped by itself while the server runs: its calls go nowhere from now on.
      else if (!closing) process.stderr.write(`ringkit-sim stopped: ${reasonOf(stderr, code)}\n`);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
