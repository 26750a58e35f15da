// Runs every code block of every README against the installed packages, in the project that
// check.mjs made: a README that shows code which does not run is a failing test.
//
// - `ts` and `js` blocks run as ES modules (Node strips the types), each in a process of its own,
//   with simulators of both flavours listening on their default ports (5000 and 4830);
// - `sh` blocks: every `pnpm`/`./scripts/pnpm` command names a script or a pnpm command, every
//   `npm install`/`pnpm add` names published packages of ours or dependencies we document;
// - an HTML comment right before a block changes how it runs:
//   `<!-- readme-test: with provider -->` puts `const provider = createMockCallApiClient()` first,
//   `<!-- readme-test: until-stopped -->` passes when it is still running, error-free, after 3 s,
//   `<!-- readme-test: skip: <why> -->` counts it as skipped, with the reason printed.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, project] = process.argv.slice(2);
const READMES = [
  'README.md',
  'packages/call-client/README.md',
  'packages/dialer/README.md',
  'packages/scheduler-core/README.md',
  'apps/demo/README.md',
  'bench/README.md',
];
const PRELUDES = {
  provider:
    "import { createMockCallApiClient } from '@ringkit/call-client';\n" +
    "const provider = createMockCallApiClient({ baseUrl: 'http://localhost:5000' });\n",
};
const rootScripts = Object.keys(
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts,
);
const PNPM_COMMANDS = new Set(['install', 'add', 'exec', 'run', 'dlx', 'changeset']);
const INSTALLABLE = /^(@ringkit\/(call-client|dialer|scheduler-core)|express|msw|pg)(@[\w.^~-]+)?$/;

function blocks(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [];
  const fence = /(?:<!--\s*readme-test:\s*([^>]*?)\s*-->\s*\n)?```(\w*)\n([\s\S]*?)```/g;
  for (let match; (match = fence.exec(text));) {
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ file, line, marker: match[1] ?? '', lang: match[2], code: match[3] });
  }
  return found;
}

function checkShell(block) {
  for (const raw of block.code.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    for (const command of line.split('&&').map((c) => c.trim())) {
      const words = command
        .replace(/\s(--filter|-F)\s+\S+/g, ' ')
        .replace(/\s(-r|--recursive)(?=\s)/g, ' ')
        .split(/\s+/)
        .filter((w) => !/^[A-Z_]+=/.test(w));
      const [tool, sub, ...rest] = words;
      if (tool === 'pnpm' || tool === './scripts/pnpm') {
        if (!rootScripts.includes(sub) && !PNPM_COMMANDS.has(sub)) {
          throw new Error(`"${command}": pnpm has no script or command "${sub}"`);
        }
        if (sub === 'add') for (const name of rest) checkPackage(command, name);
      } else if (tool === 'npm' && sub === 'install') {
        for (const name of rest) checkPackage(command, name);
      } else if (tool === 'npx' && sub !== 'ringkit-sim') {
        throw new Error(`"${command}": no bin named ${sub}`);
      } else if (!['npx', 'bash', 'node', 'curl'].includes(tool)) {
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

/** A README that says what to install lists every package its examples import. */
function checkImports(block, installed) {
  if (installed.size === 0) return;
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
  const [mode, ...args] = block.marker.split(/\s+/);
  const prelude = mode === 'with' ? (PRELUDES[args[0]] ?? '') : '';
  const path = join(project, `readme-${index}.mts`);
  writeFileSync(path, prelude + block.code);
  const untilStopped = mode === 'until-stopped';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path], {
      cwd: project,
      env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' },
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
  join(project, 'node_modules/@ringkit/call-client/dist/testing/index.js')
);
const sims = await Promise.all([
  startCallApiSimulator({ flavour: 'polling', port: 5000, stepMs: [20, 60] }),
  startCallApiSimulator({ flavour: 'webhook', port: 4830, stepMs: [20, 60] }),
]);
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
