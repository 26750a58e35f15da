/** The statements captured: which have a plan, grouped by text, and named for the tests. */
import { createHash } from 'node:crypto';
import type { Captured } from './tagging.js';

/**
 * Whether a statement has a plan worth reading: a SELECT, INSERT, UPDATE, DELETE, WITH or EXECUTE
 * of a prepared one, not one of transaction control, LISTEN, settings, advisory locks or
 * migrations.
 */
export function isPlannable(text: string): boolean {
  const head = text.trimStart().slice(0, 12).toUpperCase();
  if (!/^(SELECT|INSERT|UPDATE|DELETE|WITH|EXECUTE)\b/.test(head)) return false;
  return !/schema_migrations|pg_advisory|sqlite_master|sqlite_schema|pragma/i.test(text);
}

/** A statement on one line, short enough for a test name: column and parameter lists elided. */
export function shortSql(text: string, max = 140): string {
  const short = text
    .replace(/\s+/g, ' ')
    .replace(/"[a-z0-9_]+"\./g, '')
    // Lists of four or more columns or parameters, as every statement of a row has.
    .replace(/\b(?:\w+\.)?\w+(?:, (?:\w+\.)?\w+){3,}\b/g, '…')
    .replace(/\$\d+(?:::[a-z0-9 ]+(?:\[\])?)?(?:, \$\d+(?:::[a-z0-9 ]+(?:\[\])?)?){3,}/gi, '$…')
    .replace(/\?(?:, \?){3,}/g, '?…')
    .trim();
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}

/** One statement text with the parameter sets it ran with (at most `maxSamples` distinct ones). */
export interface Statement {
  text: string;
  /** The store methods that sent it, in the order first seen. */
  tags: string[];
  samples: unknown[][];
}

/** Groups the plannable statements captured by text, keeping distinct parameter sets. */
export function distinctStatements(captured: Captured[], maxSamples = 20): Statement[] {
  const byText = new Map<string, Statement & { seen: Set<string> }>();
  for (const { text, values, tag } of captured) {
    if (!isPlannable(text)) continue;
    let statement = byText.get(text);
    if (!statement)
      byText.set(text, (statement = { text, tags: [], samples: [], seen: new Set() }));
    if (tag !== null && !statement.tags.includes(tag)) statement.tags.push(tag);
    const key = JSON.stringify(values);
    if (statement.samples.length < maxSamples && !statement.seen.has(key)) {
      statement.seen.add(key);
      statement.samples.push(values);
    }
  }
  return [...byText.values()].map(({ text, tags, samples }) => ({ text, tags, samples }));
}

/**
 * Test names for the statements: the methods that sent it, then the SQL; two that read the same
 * once shortened get a digest of their whole text (schema left out), the same from run to run.
 */
export function statementNames(statements: Statement[]): string[] {
  const bases = statements.map(
    (s) => `${s.tags.join(', ') || 'outside any store method'}: ${shortSql(s.text)}`,
  );
  return statements.map((s, i) => {
    const base = bases[i]!;
    if (bases.indexOf(base) === bases.lastIndexOf(base)) return base;
    const normal = s.text.replace(/\s+/g, ' ').replace(/"[a-z0-9_]+"\./g, '');
    return `${base} #${createHash('sha1').update(normal).digest('hex').slice(0, 6)}`;
  });
}
