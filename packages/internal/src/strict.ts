/**
 * Objects of options and inputs that refuse a name they do not know, and say which name was
 * meant: `unknown option "scheduledAt": did you mean "at"?`. The guess is a name the caller gives
 * for it (`aliases`: the words people use for that value elsewhere), else a known name spelled
 * alike (case, `_` and `-` aside, or a letter or two apart); with no guess, the message lists the
 * names there are.
 */
import { z } from 'zod';

/** Past this many, the known names are not listed in the message. */
const MAX_LISTED = 24;

/** Edits (insert, delete, substitute, swap two neighbours) between two short names. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

const folded = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/** The known name `given` most likely meant, or `null`. */
export function suggestName(
  given: string,
  known: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | null {
  const alias = Object.hasOwn(aliases, given) ? aliases[given] : aliases[folded(given)];
  if (alias !== undefined && known.includes(alias)) return alias;
  const same = known.find((name) => folded(name) === folded(given));
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(folded(given), folded(name));
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  // One edit for short names, two from six letters: further off is another word.
  return best !== null && bestDistance <= (given.length >= 6 ? 2 : 1) ? best : null;
}

/** The message for names not known, each with its guess, or the list of known names. */
export function unknownNamesMessage(
  given: readonly string[],
  known: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
  noun = 'option',
): string {
  const guesses = given.map((name) => [name, suggestName(name, known, aliases)] as const);
  const [only] = guesses;
  if (guesses.length === 1 && only![1] !== null) {
    return `unknown ${noun} ${JSON.stringify(only![0])}: did you mean "${only![1]}"?`;
  }
  const parts = guesses.map(([name, guess]) =>
    guess === null ? JSON.stringify(name) : `${JSON.stringify(name)} (did you mean "${guess}"?)`,
  );
  const head = `unknown ${noun}${given.length === 1 ? '' : 's'} ${parts.join(', ')}`;
  const list = guesses.some(([, guess]) => guess === null) && known.length <= MAX_LISTED;
  return list ? `${head}; the ${noun}s are ${known.join(', ')}` : head;
}

/**
 * `z.strictObject(shape)` whose unknown names get {@link unknownNamesMessage}: the guess from
 * `aliases` (a name people use for an option, by how they spell it, to the option's name) or
 * from the spelling.
 */
export function strictObject<Shape extends z.ZodRawShape>(
  shape: Shape,
  aliases: Readonly<Record<string, string>> = {},
  noun = 'option',
) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? unknownNamesMessage(issue.keys, known, aliases, noun)
        : undefined,
  });
}
