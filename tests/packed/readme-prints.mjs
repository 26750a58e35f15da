// What a README example says it prints is checked when it runs: a line
// `console.log(a, b); // → expected` prints as it would, and fails the block (exit code 1) unless
// what it printed is `expected`, where `…` stands for any text. A claim the block never reached
// fails it too. Other comments after a `console.log` are words for the reader, not checked.

const CLAIM = /^(.*?)console\.log\((.*)\);\s*\/\/ → (.*)$/;

/** What runs before a block whose lines claim what they print. */
const PRELUDE = `import { format as __readmeFormat } from 'node:util';
const __readmeReached = new Set();
const __readmePrints = (line, expected, ...args) => {
  __readmeReached.add(line);
  const actual = __readmeFormat(...args);
  console.log(...args);
  const escaped = expected.split('…').map((part) => part.replace(/[.*+?^\${}()|[\\]\\\\]/g, '\\\\$&'));
  if (!new RegExp('^' + escaped.join('[\\\\s\\\\S]*') + '$').test(actual)) {
    console.error(\`README line \${line} printed \${JSON.stringify(actual)}, not \${JSON.stringify(expected)}\`);
    process.exitCode = 1;
  }
};
`;

/**
 * `code` with each claimed print checked (see above), and the line numbers of the claims; the
 * block's own lines keep their numbers after the prelude's.
 */
export function withPrintChecks(code) {
  const lines = code.split('\n');
  const claims = [];
  const checked = lines.map((text, i) => {
    const match = CLAIM.exec(text);
    if (!match) return text;
    claims.push(i + 1);
    const [, before, args, expected] = match;
    return `${before}__readmePrints(${i + 1}, ${JSON.stringify(expected.trim())}, ${args});`;
  });
  if (claims.length === 0) return { code, claims };
  const reached = `process.on('exit', () => {
  const missed = ${JSON.stringify(claims)}.filter((line) => !__readmeReached.has(line));
  if (missed.length > 0) {
    const which = missed.length === 1 ? \`line \${missed[0]} claims\` : \`lines \${missed.join(', ')} claim\`;
    console.error(\`README \${which} what it prints, but never ran\`);
    process.exitCode = 1;
  }
});
`;
  return { code: `${PRELUDE}${reached}${checked.join('\n')}`, claims };
}
