// `pnpm demo [-- --provider mock|twilio|telnyx|signalwire|vonage]` (`node scripts/start.mjs demo …`) and
// `pnpm sim [-- options]` (`node scripts/start.mjs sim …`): check the ports the program listens
// on, build what changed since the last build (nothing, on a second start: see lib/builds.mjs),
// then run the program in this process with the arguments that follow.
//
// - demo: apps/demo's `dist/demo.js`, from apps/demo (its provider's simulators, then the server);
// - sim: @ringkit/simulator's `ringkit-sim` (its simulator flavours; `--help` lists options).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from './lib/builds.mjs';
import { demoPorts, launch, simPorts } from './lib/launch.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PROGRAMS = {
  demo: {
    ports: demoPorts,
    target: '@ringkit/demo',
    cwd: join(root, 'apps', 'demo'),
    entry: join(root, 'apps', 'demo', 'dist', 'demo.js'),
  },
  sim: {
    ports: simPorts,
    target: '@ringkit/simulator',
    cwd: process.cwd(),
    entry: join(root, 'packages', 'simulator', 'bin', 'ringkit-sim.js'),
  },
};

const [name, ...args] = process.argv.slice(2);
const program = PROGRAMS[name];
if (!program) {
  console.error(`usage: node scripts/start.mjs ${Object.keys(PROGRAMS).join('|')} [arguments]`);
  process.exit(2);
}
const code = await launch({
  ports: program.ports(args, process.env),
  build: () => ensureBuilt(root, [program.target]),
  start: async () => {
    // The program reads its arguments from process.argv, as when it is run on its own.
    process.argv = [process.argv[0], program.entry, ...args];
    process.chdir(program.cwd);
    await import(pathToFileURL(program.entry).href);
  },
});
if (code !== undefined) process.exit(code);
